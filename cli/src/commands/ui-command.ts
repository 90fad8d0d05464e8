import { describeConfig, serviceMain } from '@riskstream/shared';
import { flagsToEnv, type Command } from '../command.ts';
import { uiConfigSchema } from '../ui/ui-config.ts';
import { uiMain } from '../ui/ui-main.ts';

const SUMMARY = 'web UI: runs, models, experiments, lifecycle events, dashboards';

const USAGE = `Usage: riskstream ui [--port N] [--host H] [--registry DIR]

A web UI (default http://127.0.0.1:8089/): tracked runs (filter, sort, compare with charts), the model
registry (versions, aliases and their history, training and drift reports), the lifecycle events of
models.lifecycle.v1, the running experiments with the drift monitor's live statistics, and links to the
Grafana dashboards. Read-only unless UI_API_KEYS is set: then promote and rollback work for a browser
that gives the secret of one of the keys. Ctrl-C stops it.

Options (each the command-line form of a variable below):
  --port N         UI_PORT (default: HTTP_PORT, else 8089)
  --host H         HTTP_HOST (default 127.0.0.1)
  --registry DIR   MODEL_REGISTRY_DIR (default .riskstream/registry)
  -h, --help       this help`;

/** The flags and the variables they set. */
const FLAGS: Readonly<Record<string, string>> = { '--port': 'UI_PORT', '--host': 'HTTP_HOST', '--registry': 'MODEL_REGISTRY_DIR' };

export const uiCommand: Command = {
  name: 'ui',
  summary: SUMMARY,
  usage: USAGE,
  async run(args, io) {
    if (args.some((a) => a === '-h' || a === '--help')) {
      io.stdout.write(`riskstream ui: ${SUMMARY}\n\n${USAGE}\n\nEnvironment:\n${describeConfig(uiConfigSchema)}\n`);
      return 0;
    }
    const { env, rest } = flagsToEnv(args, io.env, FLAGS);
    // serviceMain owns the process from here, like every service's: a one-line error and exit 2 on any other
    // argument or a bad config, exit 1 on a failed start, and exit after the drain on SIGINT/SIGTERM.
    await serviceMain(uiMain({ ...io, env }), rest, env, { stdout: io.stdout, stderr: io.stderr });
    return 0;
  },
};

