/**
 * What a Microsoft 365 administrator must grant the sync app, printed by `npm run register -- --graph`.
 *
 * Microsoft Graph application permissions reach every mailbox of the tenant. Exchange Online "RBAC for
 * Applications" grants the mailbox ones (calendars, contacts, mailbox settings) to the app's service
 * principal for a management scope only — and an Entra ID (admin-consented) grant of the same permission
 * is tenant-wide and is *added* to it, so those must NOT also be consented in Entra ID. To Do (Tasks.*)
 * and directory reads are not Exchange application roles: they can only be consented in Entra ID, for the
 * whole tenant. (research graph.md §9; learn.microsoft.com/exchange/permissions-exo/application-rbac)
 */

export interface GraphPermission {
  permission: string;
  /** Where to grant it: Exchange RBAC for Applications (scoped) or Entra ID admin consent (tenant-wide). */
  grantIn: 'exchangeRbac' | 'entraConsent';
  exchangeRole?: string;
  why: string;
}

export const GRAPH_PERMISSIONS: readonly GraphPermission[] = [
  { permission: 'Calendars.ReadWrite', grantIn: 'exchangeRbac', exchangeRole: 'Application Calendars.ReadWrite', why: 'appointments ↔ Outlook events, and their change subscriptions' },
  { permission: 'Contacts.ReadWrite', grantIn: 'exchangeRbac', exchangeRole: 'Application Contacts.ReadWrite', why: 'contacts ↔ Outlook contacts, and their change subscriptions' },
  { permission: 'MailboxSettings.Read', grantIn: 'exchangeRbac', exchangeRole: 'Application MailboxSettings.Read', why: "the mailbox's time zone (Test & Enable; all-day items and task due dates)" },
  { permission: 'Tasks.ReadWrite.All', grantIn: 'entraConsent', why: 'tasks ↔ Microsoft To Do (not an Exchange application role: tenant-wide)' },
  { permission: 'User.Read.All', grantIn: 'entraConsent', why: 'resolving users (directory read; tenant-wide)' },
];

export interface GrantInstructions {
  permissions: readonly GraphPermission[];
  /** Exchange Online PowerShell, to paste. */
  exchangeCommands: string[];
}

const ps = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function grantInstructions(options: { clientId?: string; scopeGroup: string; mailboxes: string[] }): GrantInstructions {
  const appId = options.clientId ?? '<application (client) id>';
  const scope = 'crm-exchange-sync mailboxes';
  const commands = [
    '# 1. Microsoft Graph PowerShell: the app\'s service principal (Enterprise application)',
    "Connect-MgGraph -Scopes 'Application.Read.All'",
    `$sp = Get-MgServicePrincipal -Filter ${ps(`appId eq '${appId}'`)}`,
    '# 2. Exchange Online PowerShell, as an Exchange administrator (Organization Management)',
    'Connect-ExchangeOnline',
    `New-ServicePrincipal -AppId $sp.AppId -ObjectId $sp.Id -DisplayName ${ps('crm-exchange-sync')}`,
    `# The synced users are the members of this mail-enabled security group (direct members only).`,
    `$group = Get-DistributionGroup -Identity ${ps(options.scopeGroup)}`,
    `New-ManagementScope -Name ${ps(scope)} -RecipientRestrictionFilter "MemberOfGroup -eq '$($group.DistinguishedName)'"`,
    ...GRAPH_PERMISSIONS.filter((p) => p.exchangeRole).map((p) =>
      `New-ManagementRoleAssignment -Name ${ps(`crm-exchange-sync ${p.permission}`)} -App $sp.AppId -Role ${ps(p.exchangeRole!)} -CustomResourceScope ${ps(scope)}`),
    '# 3. Check (InScope True for a synced user, False for anyone else; changes take 30 min to 2 h to reach Graph)',
    ...(options.mailboxes.length > 0 ? options.mailboxes : ['<a synced user@domain>', '<a user who must not be synced@domain>'])
      .map((m) => `Test-ServicePrincipalAuthorization -Identity $sp.AppId -Resource ${ps(m)} | Format-Table RoleName, InScope`),
  ];
  return { permissions: GRAPH_PERMISSIONS, exchangeCommands: commands };
}

export function formatGrantInstructions(g: GrantInstructions, tokenRoles?: string[]): string {
  const lines: string[] = [];
  const consent = g.permissions.filter((p) => p.grantIn === 'entraConsent');
  const scoped = g.permissions.filter((p) => p.grantIn === 'exchangeRbac');
  lines.push('Microsoft Graph application permissions of the sync app');
  lines.push('');
  lines.push('A. Grant in Entra ID (API permissions → Microsoft Graph → Application permissions → Grant admin consent):');
  for (const p of consent) lines.push(`   ${p.permission.padEnd(22)} ${p.why}`);
  lines.push('');
  lines.push('B. Grant through Exchange Online RBAC for Applications, scoped to the synced users\' mailboxes.');
  lines.push('   Do NOT also consent these in Entra ID: an Entra ID grant reaches every mailbox and is added to the scoped one.');
  for (const p of scoped) lines.push(`   ${p.permission.padEnd(22)} role "${p.exchangeRole}": ${p.why}`);
  lines.push('');
  for (const c of g.exchangeCommands) lines.push(`   ${c}`);
  if (tokenRoles) {
    lines.push('');
    lines.push(`Roles in the app's Graph token now (Entra ID grants only; RBAC for Applications grants never appear here): ${tokenRoles.length ? tokenRoles.join(', ') : '(none)'}`);
    for (const p of consent.filter((c) => !tokenRoles.includes(c.permission))) {
      lines.push(`   missing: ${p.permission} — consent it in Entra ID (step A).`);
    }
    for (const p of scoped.filter((c) => tokenRoles.includes(c.permission))) {
      lines.push(`   warning: ${p.permission} is consented in Entra ID: the app reaches every mailbox unless an (older) Application Access Policy restricts it; prefer removing that consent and step B.`);
    }
  }
  return lines.join('\n');
}
