/** Who a timeline line is about. */
export type Actor = 'demo' | 'auth' | 'inventory' | 'orders' | 'shipping' | 'note';

/** Prints the story as it happens: one line per event, with the time since the start. */
export interface Timeline {
  /** A numbered chapter heading with one sentence of what it shows. */
  phase(title: string, what: string): void;
  /** Something one of the services or the demo did. */
  event(actor: Actor, message: string): void;
  /** An expectation of the story, held (✓) or not (✗). */
  check(ok: boolean, message: string): void;
  /** Lines printed as they are, e.g. a table. */
  text(lines: string): void;
}

/** Options of `createTimeline`. */
export interface TimelineOptions {
  /** Where lines go. @default console.log */
  write?: (line: string) => void;
  /** Colours for a terminal. @default whether stdout is a TTY and NO_COLOR is unset */
  color?: boolean;
  /** The current time in ms. @default performance.now */
  now?: () => number;
}

const ANSI = { dim: '2', bold: '1', green: '32', red: '31', cyan: '36' } as const;

/** A timeline that writes readable lines such as `  1.23 s  orders     got token #1`. */
export function createTimeline(options: TimelineOptions = {}): Timeline {
  const write = options.write ?? ((line: string) => console.log(line));
  const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const paint = (style: keyof typeof ANSI, text: string): string =>
    color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  const stamp = (): string => paint('dim', `${((now() - startedAt) / 1000).toFixed(2).padStart(6)} s`);

  return {
    phase(title, what) {
      write('');
      write(paint('bold', `── ${title} ${'─'.repeat(Math.max(3, 76 - title.length))}`));
      write(paint('dim', `   ${what}`));
    },
    event(actor, message) {
      const name = actor === 'note' ? paint('dim', 'note'.padEnd(10)) : paint('cyan', actor.padEnd(10));
      write(`${stamp()}  ${name} ${message}`);
    },
    check(ok, message) {
      write(`${stamp()}  ${ok ? paint('green', '✓') : paint('red', '✗')} ${message}`);
    },
    text(lines) {
      for (const line of lines.split('\n')) write(line);
    },
  };
}

/** A timeline that prints nothing (tests). */
export const silentTimeline: Timeline = {
  phase: () => {},
  event: () => {},
  check: () => {},
  text: () => {},
};
