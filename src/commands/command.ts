/** A `pag0 <name>` subcommand. `run` gets the arguments after the name and returns the exit code. */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}
