/** The longest job timeout TRANSFORM_JOB_TIMEOUT_SECONDS may set (unchanged since jobs ran within one Cloud Tasks dispatch). */
export const MAX_JOB_TIMEOUT_SECONDS = 1800 - 120;

export function checkJobTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_JOB_TIMEOUT_SECONDS) {
    throw new RangeError(`TRANSFORM_JOB_TIMEOUT_SECONDS must be a whole number from 1 to ${MAX_JOB_TIMEOUT_SECONDS}, got ${seconds}`);
  }
  return seconds;
}
