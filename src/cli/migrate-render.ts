import {
  annotationKeyOf,
  failClosedAnnotations,
  shareOf,
  type Difference,
  type IngressVerdict,
  type MigrationReport,
} from './migrate-verdicts.ts';

/** What the report was made for, to say so in its first line. */
export interface ReportScope {
  readonly ingressClass: string;
  readonly controllerName: string;
}

const VERDICT_WORDS: Readonly<Record<IngressVerdict['verdict'], string>> = {
  'served-identically': 'served identically',
  'served-with-differences': 'served with differences',
  'not-served': 'not served',
};

/** The report as text for people: one verdict per Ingress, its differences below it, a summary. */
export function renderMigrationText(report: MigrationReport, scope: ReportScope): string {
  let text = `Ingresses of class "${scope.ingressClass}" (controller ${scope.controllerName}), as pointsman would serve them:\n\n`;
  if (report.ingresses.length === 0) {
    text +=
      '(none: no Ingress names this class or the legacy annotation kubernetes.io/ingress.class with it;\n' +
      ' see --ingress-class, --controller-name and --watch-ingress-without-class)\n';
  }
  for (const entry of report.ingresses) {
    text += `${entry.namespace}/${entry.name}: ${headline(entry)}\n`;
    for (const difference of entry.differences) text += `  - ${describe(difference)}\n`;
  }
  return `${text}\n${summaryLine(report)}\n`;
}

/** The report as one JSON object for scripts: `{ingresses, summary}`. */
export function renderMigrationJson(report: MigrationReport, scope: ReportScope): string {
  const { summary } = report;
  const json = {
    ingressClass: scope.ingressClass,
    controllerName: scope.controllerName,
    ingresses: report.ingresses,
    summary: {
      ...summary,
      shares: {
        servedIdentically: shareOf(summary.servedIdentically, summary.total),
        servedWithDifferences: shareOf(summary.servedWithDifferences, summary.total),
        notServed: shareOf(summary.notServed, summary.total),
      },
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** `Summary: 27 Ingresses: 10 served identically (37%), ...`. */
export function summaryLine(report: MigrationReport): string {
  const { total, servedIdentically, servedWithDifferences, notServed, otherClasses } =
    report.summary;
  const part = (count: number, words: string): string =>
    `${String(count)} ${words} (${String(shareOf(count, total))}%)`;
  const others =
    otherClasses === 0
      ? ''
      : ` ${String(otherClasses)} Ingress${otherClasses === 1 ? '' : 'es'} of other classes left out.`;
  return (
    `Summary: ${String(total)} Ingress${total === 1 ? '' : 'es'}: ` +
    `${part(servedIdentically, 'served identically')}, ` +
    `${part(servedWithDifferences, 'served with differences')}, ` +
    `${part(notServed, 'not served')}.${others}`
  );
}

function headline(entry: IngressVerdict): string {
  const words = VERDICT_WORDS[entry.verdict];
  switch (entry.notServedBecause) {
    case null:
      return words;
    case 'rejected':
      return `${words}: rejected (${[...new Set(entry.differences.map((d) => d.code))].join(', ')})`;
    case 'fails-closed':
      return `${words}: fails closed, its paths answer 503 PM_ERR_ACCESS_CONTROL_NOT_ENFORCED (${failClosedAnnotations(entry).join(', ')})`;
  }
}

/** The code and message; the field too, unless the message already names the annotation. */
function describe(difference: Difference): string {
  const key = annotationKeyOf(difference.field);
  const named = key !== null && difference.message.includes(key);
  const where = difference.field === null || named ? '' : ` at ${difference.field}`;
  return `${difference.code}${where}: ${difference.message}`;
}
