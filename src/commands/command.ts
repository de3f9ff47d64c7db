/** A `pag0 <name>` subcommand. `run` gets the arguments after the name and returns the exit code. */
export interface Command {
  summary: string;
  /** what `pag0 <name> --help` prints (stdout, exit 0; it never runs the command) */
  usage: string;
  run(args: string[]): Promise<number>;
}
