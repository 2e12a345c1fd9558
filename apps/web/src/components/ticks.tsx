import type { MessageStatus } from '@parley/client-sdk';

const LABEL: Record<MessageStatus, string> = {
  pending: 'Waiting to send',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};

/** One check mark stroke of the sent, delivered and read ticks. */
function Check({ d }: { d: string }) {
  return (
    <path d={d} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
  );
}

/** WhatsApp's ticks: clock (queued), one grey (sent), two grey (delivered), two blue (read). */
export function Ticks({ status }: { status: MessageStatus }) {
  const common = {
    'data-testid': 'ticks',
    'data-status': status,
    'aria-label': LABEL[status],
    role: 'img',
    className: `ticks ticks-${status}`,
  };
  switch (status) {
    case 'pending':
      return (
        <svg {...common} viewBox="0 0 16 16" width="15" height="15">
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M8 4.6V8l2.4 1.6" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
      );
    case 'failed':
      return (
        <svg {...common} viewBox="0 0 16 16" width="15" height="15">
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M8 4v5M8 11.2v.6" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
      );
    case 'sent':
      return (
        <svg {...common} viewBox="0 0 16 11" width="16" height="11">
          <Check d="M1.5 6l3.5 3.5L11.5 2" />
        </svg>
      );
    case 'delivered':
    case 'read':
      return (
        <svg {...common} viewBox="0 0 20 11" width="19" height="11">
          <Check d="M1.5 6l3.5 3.5L11.5 2" />
          <Check d="M8.5 8.6l0.9 0.9L15.9 2" />
        </svg>
      );
  }
}
