import { demoCommand } from './demo-command.ts';
import { explainCommand } from './explain-command.ts';
import { EXIT, PROCESS_IO, UsageError, type CliIo } from './io.ts';
import { migrateCommand } from './migrate-command.ts';
import { routesCommand } from './routes-command.ts';
import { serveCommand } from './serve-command.ts';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  demo: {
    run: demoCommand,
    summary: 'the whole flow on one machine: echo Pods, the examples/ Ingresses, curl lines',
  },
  serve: {
    run: serveCommand,
    summary: 'run the controller: proxy HTTP traffic by the Ingresses in manifests',
  },
  routes: {
    run: routesCommand,
    summary: 'print the route table built from manifests',
  },
  explain: {
    run: explainCommand,
    summary: 'say what happens to one request, and why',
  },
  migrate: {
    run: migrateCommand,
    summary: 'judge the Ingresses of an ingress-nginx installation: served the same, or how not',
  },
};

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join('\n');
  return `Usage: pointsman COMMAND [options]

pointsman is a Kubernetes Ingress controller. Commands:
${list}

Run 'pointsman COMMAND --help' for a command's options.
`;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(mainHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`pointsman: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pointsman ${name}: ${error.message}\nRun 'pointsman ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
