// Preloaded into `prisma migrate deploy` by prisma/setup.mjs: the CLI exits once it has
// printed that the migrations are applied. On PostgreSQL it otherwise lingers ≈ 10 s after
// its work: the Wasm schema engine leaves a 10 s timer running and the driver adapter's pool
// keeps its idle connections for 10 s (pg's idle timeout), so every migration took ≈ 12 s
// instead of ≈ 2 s (decision 0068). The line comes after the engine has applied and
// recorded every migration; nothing is left to do. Any other outcome (an error, a CLI that
// words it differently) ends as before.
const DONE = ["All migrations have been successfully applied.", "No pending migrations to apply."];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  if (DONE.some((line) => String(chunk).includes(line))) {
    process.stdout.write = write;
    // Once the current output is done (stdout to a pipe or file is synchronous on Linux;
    // the drain covers the other cases).
    if (written) setImmediate(() => process.exit());
    else process.stdout.once("drain", () => process.exit());
  }
  return written;
};
