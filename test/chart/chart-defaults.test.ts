// With its default values the chart renders the objects of deploy/ (less the Namespace, which
// Helm leaves to --create-namespace), equal field for field but for Helm's own labels: a change
// to deploy/ that the chart does not follow, or the other way round, fails here.
// Objects as YAML parses them (Loose): a test reads what it checks and fails on what is missing.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, suite, test } from 'node:test';
import { parse } from 'yaml';
import { deployObjects, withoutHelmLabels } from './deploy-objects.ts';
import { CHART, HELM_SKIP, renderChart, runHelm, type Loose } from './helm.ts';

const chartYaml: Loose = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'));
const key = (object: Loose): string => `${String(object.kind)} ${String(object.metadata.name)}`;

suite('the chart with its default values', { skip: HELM_SKIP }, () => {
  let rendered: Loose[] = [];
  before(async () => {
    const run = await renderChart();
    assert.equal(run.code, 0, run.stderr);
    rendered = run.objects;
  });

  test('helm lint passes, and with --strict', async () => {
    for (const args of [
      ['lint', CHART],
      ['lint', '--strict', CHART],
    ]) {
      const run = await runHelm(args);
      assert.equal(run.code, 0, `helm ${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  test('renders one object for each of deploy/, the Namespace left out', () => {
    const expected = deployObjects()
      .filter((object) => object.kind !== 'Namespace')
      .map(key)
      .sort();
    assert.equal(expected.length, 10, 'deploy/ lists ten objects besides the Namespace');
    assert.deepEqual(rendered.map(key).sort(), expected);
    assert.ok(!rendered.some((object) => object.kind === 'Namespace'));
  });

  test("every object equals deploy/'s, but for Helm's labels", () => {
    const chartLabels = {
      'helm.sh/chart': `pointsman-${String(chartYaml.version)}`,
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/instance': 'pointsman',
      'app.kubernetes.io/version': String(chartYaml.appVersion),
    };
    const byKey = new Map(rendered.map((object) => [key(object), object]));
    for (const expected of deployObjects().filter((object) => object.kind !== 'Namespace')) {
      const actual = byKey.get(key(expected));
      assert.ok(actual, key(expected));
      const { object, removed } = withoutHelmLabels(actual);
      assert.deepEqual(object, expected, key(expected));
      // The object's own labels carry all four; a selector (and the Pods' labels it selects)
      // only the release's name, so that two releases never select each other's Pods.
      for (const { path, labels } of removed) {
        const expectedLabels =
          path === 'metadata.labels'
            ? chartLabels
            : { 'app.kubernetes.io/instance': chartLabels['app.kubernetes.io/instance'] };
        assert.deepEqual(labels, expectedLabels, `${key(expected)} ${path}`);
      }
      assert.ok(
        removed.some(({ path }) => path === 'metadata.labels'),
        `${key(expected)} carries Helm's labels`,
      );
    }
  });

  test('the image is the chart appVersion, as deploy/ names it', () => {
    const deployment = rendered.find((object) => object.kind === 'Deployment');
    assert.equal(
      deployment.spec.template.spec.containers[0].image,
      `pointsman:${String(chartYaml.appVersion)}`,
    );
  });
});
