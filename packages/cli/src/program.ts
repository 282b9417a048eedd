import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { countCommand } from './commands/count';
import { dumpCommand } from './commands/dump';
import { ON_DUPLICATE, loadCommand } from './commands/load';
import { migrateCommand } from './commands/migrate';
import { pruneCommand } from './commands/prune';
import { serveCommand } from './commands/serve';
import { CliError, EXIT, messageOf } from './errors';
import { stdout, type Output } from './output';

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 failure (storage, archive, duplicate), 2 usage (options, unknown model),
3 backend config or models module unusable.`;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

function withApp(command: Command): Command {
  return command
    .requiredOption('--backend <file>', 'backend config JSON file (the app\'s; ${ENV} expanded)')
    .requiredOption('--models <module>', 'module exporting register(spec) (module.exports or default)')
    .option('--json', 'print one JSON document instead of lines and progress')
    .addHelpText('after', EXIT_CODES_HELP);
}

export function buildProgram(out: Output = stdout): Command {
  const program = new Command('specstar')
    .description('Dump, load, count, migrate, prune and serve the models of a SpecStar app on its backend config.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  withApp(program.command('dump').description('write the models (all, or --model ones) to an .acbak archive'))
    .option('--model <name...>', 'dump only these models (repeatable)')
    .requiredOption('-o, --output <file>', 'archive file to write')
    .action((options) => dumpCommand(options, out));

  withApp(program.command('load').description('load an .acbak archive into the registered models'))
    .argument('<archive>', 'archive file to read')
    .addOption(new Option('--on-duplicate <mode>', 'what to do with an existing resource id').choices(ON_DUPLICATE).default('overwrite'))
    .action((archive: string, options) => loadCommand(archive, options, out));

  withApp(program.command('count').description('print the number of resources of a model'))
    .requiredOption('--model <name>', 'the model to count')
    .option('--qb <expr>', 'query builder expression the resources must match')
    .action((options) => countCommand(options, out));

  withApp(program.command('migrate').description('bring resources to the model\'s schema version (a dry run unless --execute)'))
    .requiredOption('--model <name>', 'the model to migrate')
    .option('--qb <expr>', 'only the resources matching this query builder expression')
    .option('--execute', 'migrate; without it only report what is behind')
    .action((options) => migrateCommand(options, out));

  withApp(program.command('prune').description('remove old revisions by retention (the model\'s policy, or --keep-last / --keep-newer-than)'))
    .requiredOption('--model <name>', 'the model to prune')
    .option('--id <resource_id>', 'only this resource')
    .option('--qb <expr>', 'only the resources matching this query builder expression')
    .option('--keep-last <n>', 'keep the newest n revisions (instead of the model\'s policy)', integer)
    .option('--keep-newer-than <duration>', 'keep revisions younger than this, e.g. 30d, 12h, 2w')
    .option('--dry-run', 'report what would be pruned; delete nothing')
    .action((options) => pruneCommand(options, out));

  withApp(program.command('serve').description('serve the models over HTTP with /docs until SIGINT/SIGTERM'))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', port, 8000)
    .option('--prefix <path>', 'mount the routes under this path')
    .action((options) => serveCommand(options, out));

  return program;
}

/** Runs the CLI; resolves with the exit code (never throws). */
export async function main(argv: readonly string[], out: Output = stdout): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram(out).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // Commander already printed its own message (or the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const code = error instanceof CliError ? error.exitCode : EXIT.failure;
    const message = messageOf(error);
    process.stderr.write(json ? `${JSON.stringify({ error: { exit_code: code, message } })}\n` : `specstar: error: ${message}\n`);
    return code;
  }
}
