/**
 * Registries of model families: each family's module registers its builder under the name a config uses
 * (as BasicSR's `type:`), e.g. `srModels.register("srlut", buildSrlut)`, and the task builds a model by
 * that name instead of an `if (kind === ...)` chain. An unknown name is an error listing the known ones.
 */

/** Builders by family name; `what` names the family key in messages ("model.kind"). */
export class Registry<B> {
  private readonly builders = new Map<string, B>();

  constructor(readonly what: string) {}

  /** Adds `builder` under `name` (a second registration of a name is an error). */
  register(name: string, builder: B): void {
    if (this.builders.has(name)) throw new Error(`${this.what} "${name}" is registered twice`);
    this.builders.set(name, builder);
  }

  /** The builder of `name`; throws listing the registered names when there is none. */
  get(name: string): B {
    const b = this.builders.get(name);
    if (!b) throw new Error(`unknown ${this.what} "${name}" (registered: ${this.names().join(", ")})`);
    return b;
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.builders.keys()];
  }
}
