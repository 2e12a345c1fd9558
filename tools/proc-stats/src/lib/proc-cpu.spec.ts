import { cpuDelta, machineCpu, openFdsOf, pidOf, runsDelta, sampleCpu } from './proc-cpu';

describe('proc-cpu (this process, from /proc)', () => {
  it('counts the CPU this process burns between two samples, per group', () => {
    const scope = { pids: { me: [process.pid], gone: [2 ** 22 + 1] } };
    const before = sampleCpu(scope);
    const machineBefore = machineCpu();
    // 100 ms of CPU by Node's own account (wall time stretches on a busy machine).
    const own = process.cpuUsage();
    while (process.cpuUsage(own).user < 100_000) Math.sqrt(Math.random());
    const after = sampleCpu(scope);
    const ownSeconds = (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(own));
    expect(cpuDelta(before, after)['me']).toBeGreaterThan(ownSeconds * 0.8);
    expect(cpuDelta(before, after)['me']).toBeLessThan(ownSeconds * 1.5 + 0.05);
    expect(runsDelta(before, after)['me']).toBeGreaterThan(0);
    // A pid that does not exist is an empty group, not an error.
    expect(cpuDelta(before, after)['gone']).toBe(0);
    expect(machineCpu().busy - machineBefore.busy).toBeGreaterThan(0.08);
  });

  it('finds processes by name and command line, and their open files', () => {
    expect(pidOf('node', process.argv[1] ?? 'node')).toBeDefined();
    expect(pidOf('node', 'no such argument anywhere 7f3a')).toBeUndefined();
    expect(openFdsOf(process.pid)).toBeGreaterThan(2);
  });

  it('groups PostgreSQL, Redis and NATS only as asked', () => {
    const sample = sampleCpu({ pids: {}, infra: { pgDatabase: 'postgres', only: ['postgres'] } });
    expect(Object.keys(sample)).toEqual(['postgres']);
    expect(Object.keys(sampleCpu({ pids: {}, infra: {} })).sort()).toEqual(['nats', 'postgres', 'redis']);
  });
});
