/** One line of the demo's timeline. */
export interface TimelineLine {
  /** Milliseconds since the timeline's origin. */
  atMs: number;
  phase: string;
  message: string;
}

/** Collects what happened, when, relative to one origin, and prints it as it goes. */
export class Timeline {
  readonly lines: TimelineLine[] = [];
  private origin = performance.now();

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Starts counting from now (the moment the intel arrives). */
  resetOrigin(): void {
    this.origin = performance.now();
  }

  now(): number {
    return performance.now() - this.origin;
  }

  record(phase: string, message: string): TimelineLine {
    const line = { atMs: this.now(), phase, message };
    this.lines.push(line);
    this.out.write(`${formatOffset(line.atMs)}  ${phase.padEnd(9)} ${message}\n`);
    return line;
  }

  heading(text: string): void {
    this.out.write(`\n${text}\n`);
  }
}

export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(3).padStart(7)}s`;
}
