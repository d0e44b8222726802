// Command-line flags of the benchmark scripts.

/** The value after `--name` on this process's command line, or `dflt` when it is absent. */
export function arg(name, dflt) {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}

/** Whether `--name` is on this process's command line. */
export function flag(name) {
  return process.argv.slice(2).includes(name);
}
