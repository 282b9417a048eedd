/**
 * Per-session shared/exclusive sections in this process: parts of one session are written in
 * parallel (shared), while finalize and abort (exclusive) wait for the parts in flight and hold
 * new ones back. So finalize never hashes one copy of a part and stores another.
 */
interface LockState {
  readers: number;
  writer: Promise<void> | undefined;
  drained: Array<() => void>;
}

export class SessionLocks {
  private readonly states = new Map<string, LockState>();

  async shared<T>(id: string, section: () => Promise<T>): Promise<T> {
    let state = this.stateOf(id);
    while (state.writer !== undefined) {
      await state.writer;
      state = this.stateOf(id);
    }
    state.readers++;
    try {
      return await section();
    } finally {
      state.readers--;
      if (state.readers === 0) for (const wake of state.drained.splice(0)) wake();
      this.forget(id, state);
    }
  }

  async exclusive<T>(id: string, section: () => Promise<T>): Promise<T> {
    let state = this.stateOf(id);
    while (state.writer !== undefined) {
      await state.writer;
      state = this.stateOf(id);
    }
    let release!: () => void;
    state.writer = new Promise<void>((resolve) => (release = resolve));
    try {
      if (state.readers > 0) await new Promise<void>((resolve) => state.drained.push(resolve));
      return await section();
    } finally {
      state.writer = undefined;
      release();
      this.forget(id, state);
    }
  }

  private stateOf(id: string): LockState {
    let state = this.states.get(id);
    if (state === undefined) this.states.set(id, (state = { readers: 0, writer: undefined, drained: [] }));
    return state;
  }

  private forget(id: string, state: LockState): void {
    if (state.readers === 0 && state.writer === undefined && this.states.get(id) === state) this.states.delete(id);
  }
}
