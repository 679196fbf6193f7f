/**
 * Runs the controllers: a pass a short delay after any change (debounced), and again whenever
 * a controller asked to be woken for a time-driven transition (a pod starting, a deadline).
 * Every controller is level-triggered and writes only on change, so passes settle.
 */
import type { ControllerContext } from './context.js';

export type Controller = (context: ControllerContext) => void;

export class ControllerManager {
  private pending?: NodeJS.Timeout;
  private readonly wakeups = new Set<NodeJS.Timeout>();
  private unsubscribe?: () => void;
  private stopped = false;
  private passing = false;
  private dirty = false;

  constructor(
    private readonly context: Omit<ControllerContext, 'requeueAfter'>,
    private readonly controllers: Controller[],
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.unsubscribe = this.context.store.subscribe((change) => {
      if (change.type === 'DELETED') this.forget(change.object.metadata.uid);
      if (this.passing) this.dirty = true;
      else this.schedule();
    });
    this.schedule();
  }

  /** Drops the remembered instants of a deleted object. */
  private forget(uid: string): void {
    for (const key of this.context.instants.keys()) if (key.startsWith(`${uid}/`)) this.context.instants.delete(key);
  }

  private schedule(delay = this.context.timings.controllerDelayMs): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.pass();
    }, delay);
  }

  private requeueAfter(ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.wakeups.delete(timer);
        this.schedule(0);
      },
      Math.max(0, ms),
    );
    this.wakeups.add(timer);
  }

  /** One reconcile pass over every controller. */
  pass(): void {
    if (this.stopped) return;
    const context: ControllerContext = { ...this.context, requeueAfter: (ms) => this.requeueAfter(ms) };
    this.passing = true;
    this.dirty = false;
    try {
      for (const controller of this.controllers) {
        try {
          controller(context);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.passing = false;
    }
    if (this.dirty) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.pending) clearTimeout(this.pending);
    for (const timer of this.wakeups) clearTimeout(timer);
    this.wakeups.clear();
  }
}
