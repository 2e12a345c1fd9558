import { useState, type FormEvent } from 'react';
import { describeError } from '../store/app-store';

/**
 * A form's submit handler around `action`: `busy` while it runs (the submit button is disabled
 * meanwhile), its failure kept as `error` until the next try.
 */
export function useFormSubmit(action: () => Promise<void>): {
  submit: (e: FormEvent) => Promise<void>;
  busy: boolean;
  error: string | null;
} {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}
