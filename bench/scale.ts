// Control plane at scale (issue 11): N Ingresses served by pointsman in Kubernetes mode (the
// in-repo fake API server) and YAML mode, measured from outside only (the CLI, /readyz, the
// fake's store, requests through the proxy), beside nginx with the same N server blocks.
// Run: `npm run bench:scale -- --sizes 1000,10000` (node bench/scale.ts --help for options).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { installTrap, onExit, stopAll } from './proxy/children.ts';
import { startNginx } from './proxy/nginx.ts';
import { findTool, versionOf } from './proxy/tools.ts';
import { measureKubernetes, measureYaml, type Context } from './scale/measure-pointsman.ts';
import { measureNginx, type NginxFigures } from './scale/nginx-anchor.ts';
import { targets } from './scale/objects.ts';
import { parseOptions, USAGE, type ScaleOptions } from './scale/options.ts';
import { nginxTable, pointsmanTable, ratioTable, type ModeFigures } from './scale/report.ts';

function say(line: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function commit(): string {
  try {
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return '?';
  }
}

async function run(options: ScaleOptions, nginx: string, wrk: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pointsman-scale-'));
  if (options.keep) say(`keeping ${dir}`);
  else
    onExit(() => {
      rmSync(dir, { recursive: true, force: true });
    });
  const backendA = await startNginx(nginx, 'backend', join(dir, 'backend-a'), {
    BODY: 'backend-a',
  });
  const backendB = await startNginx(nginx, 'backend', join(dir, 'backend-b'), {
    BODY: 'backend-b',
  });
  const backends = { a: backendA.port, b: backendB.port };
  const context: Context = { options, wrk, backends, dir, say };
  const rows: ModeFigures[] = [];
  const anchors = new Map<number, NginxFigures>();
  const nginxRows: { count: number; figures: NginxFigures; load: number }[] = [];
  for (const count of options.sizes) {
    if (options.nginx) {
      say(`nginx ${String(count)}: measuring`);
      const reloads = targets(count, options.nginxReloads, 0).edits;
      const timeoutMs = Math.max(60_000, options.liveTimeout * 1000);
      const figures = await measureNginx(
        nginx,
        join(dir, `nginx-${String(count)}`),
        count,
        backends,
        reloads,
        timeoutMs,
      );
      anchors.set(count, figures);
      nginxRows.push({ count, figures, load: loadavg()[0] ?? 0 });
    }
    for (const mode of options.modes) {
      say(`${mode} ${String(count)}: starting`);
      try {
        rows.push(
          mode === 'k8s'
            ? await measureKubernetes(context, count)
            : await measureYaml(context, count),
        );
      } catch (error) {
        say(`${mode} ${String(count)}: failed: ${String(error)}`);
      }
    }
  }
  await stopAll();
  console.log(
    `\npointsman commit ${commit()}, ${process.version}, ${versionOf(nginx, ['-v'])}, ${String(availableParallelism())} CPUs, load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    [
      `${String(options.edits)} edits`,
      ...(options.modes.includes('k8s') ? [`${String(options.slices)} EndpointSlice changes`] : []),
      ...(options.nginx ? [`${String(options.nginxReloads)} nginx reloads`] : []),
    ].join(', ') + ' per size; times in ms unless marked\n',
  );
  console.log(pointsmanTable(rows));
  if (nginxRows.length > 0) {
    console.log(`\n${nginxTable(nginxRows)}\n\n${ratioTable(rows, anchors)}`);
  }
}

async function main(): Promise<number> {
  let options: ScaleOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const nginx = findTool('nginx');
  if (nginx === undefined) {
    console.error('nginx is needed (the backends and the anchor): apt-get install nginx-light');
    return 1;
  }
  const wrk = findTool('wrk');
  if (wrk === undefined) {
    console.error('wrk is needed (the steady request streams): apt-get install wrk');
    return 1;
  }
  installTrap(options.timeout * 1000);
  await run(options, nginx, wrk);
  return 0;
}

process.exitCode = await main();
