export * from './lib/proc-cpu';
