/** The registration report as a table an operator reads at a glance (and the JSON shape of --json). */
import type { RegistrationReport } from '../../shared/registration/dataverse-registration';

export function formatRegistrationReport(dataverseUrl: string, report: RegistrationReport): string {
  const rows: Array<[string, string]> = [
    ...report.created.map((item): [string, string] => ['created', item]),
    ...report.updated.map((item): [string, string] => ['updated', item]),
    ...report.deleted.map((item): [string, string] => ['deleted', item]),
  ];
  const width = Math.max('ACTION'.length, ...rows.map(([action]) => action.length));
  const lines = [
    `Dataverse ${dataverseUrl}: webhook service endpoint ${report.serviceEndpointId}`,
    '',
    `${'ACTION'.padEnd(width)}  ITEM`,
    ...rows.map(([action, item]) => `${action.padEnd(width)}  ${item}`),
  ];
  if (rows.length === 0) lines.push(`${'-'.padEnd(width)}  (no change)`);
  lines.push('');
  lines.push(`${report.created.length} created, ${report.updated.length} updated, ${report.deleted.length} deleted, ${report.unchanged} unchanged`);
  return lines.join('\n');
}

/** True when the run changed nothing in Dataverse (the second run of an unchanged deployment). */
export function isNoChange(report: RegistrationReport): boolean {
  return report.created.length + report.updated.length + report.deleted.length === 0;
}
