/**
 * TimeSlice: lets a long synchronous loop give the event loop back every `sliceMs`.
 *
 * The controller is one thread: while it translates 100k pods or compares 100k keys,
 * no timer fires and no socket is read, and that includes the leader lease's
 * keep-alives (a lease whose keep-alive goes unanswered for a TTL is lost, and the
 * controller deposes itself). Loops over the whole cluster therefore check `due()`
 * per item (a clock read) and `await yield()` when it says so; setImmediate lets
 * pending I/O and timers run before the loop continues.
 */
export const DEFAULT_SLICE_MS = 10;

export class TimeSlice {
  private end: number;

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {
    this.end = performance.now() + sliceMs;
  }

  due(): boolean {
    return performance.now() >= this.end;
  }

  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.end = performance.now() + this.sliceMs;
  }
}
