/**
 * The only place palisadectl writes to the terminal: data goes to stdout, diagnostics
 * (warnings, progress, errors) to stderr. Commands get an Output, so tests capture it.
 */
import { escapeControls } from './escape.js';

export interface Output {
  /** Data, to stdout. */
  out(text: string): void;
  /** Diagnostics, to stderr. */
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** An Output that keeps what was written (tests). */
export class CapturedOutput implements Output {
  stdout = '';
  stderr = '';
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
}

/**
 * One diagnostic line: the text is escaped whole (escape.ts), line breaks included, so
 * a stored string inside a message can neither drive the terminal nor forge a line.
 */
const line = (s: string): string => `${escapeControls(s.endsWith('\n') ? s.slice(0, -1) : s)}\n`;

export function printLine(o: Output, text: string): void {
  o.out(line(text));
}

export function printWarning(o: Output, text: string): void {
  o.err(line(`warning: ${text}`));
}

/** `hint` lines are our own advice, printed after the message on lines of their own. */
export function printError(o: Output, text: string, hint?: string): void {
  o.err(line(`error: ${text}`));
  if (hint !== undefined) for (const h of hint.split('\n')) o.err(line(h));
}

export function printProgress(o: Output, text: string): void {
  o.err(line(text));
}

/** `palisadectl get … | head`: a closed stdout ends the process quietly, as for any Unix tool. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
