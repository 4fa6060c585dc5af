// crm-exchange-sync on Azure, for `azd up`: a Flex Consumption Function App (Node 20) that reaches its
// storage account with a user-assigned managed identity only (the account has no usable keys), reads its
// client secret from Key Vault through a Key Vault reference, and logs to Application Insights.
// Layout after Microsoft's azd Functions quickstarts: this file creates the resource group and wires the
// modules in ./app; app settings are in ./app/api.bicep (tests/unit/infra-consistency.test.ts keeps them
// in step with shared/config.ts).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: part of every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan: az functionapp list-flexconsumption-locations')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

// ---- The sync's settings (see local.settings.sample.json for each) ----

@description('SYNC_TENANT_ID: Entra ID tenant of the Microsoft 365 tenant and the Dataverse org. Empty: the tenant of this subscription.')
param syncTenantId string = ''

@minLength(36)
@maxLength(36)
@description('SYNC_CLIENT_ID: application (client) id of the sync app registration.')
param syncClientId string

@secure()
@minLength(1)
@description('SYNC_CLIENT_SECRET: client secret of the sync app registration. Stored in Key Vault; the app reads it through a Key Vault reference.')
param syncClientSecret string

@minLength(1)
@description('SYNC_DATAVERSE_URL: the Dataverse environment URL, e.g. https://contoso.crm.dynamics.com')
param dataverseUrl string

@description('SYNC_ADMIN_API_AUDIENCE: App ID URI of the admin API (the audience of admin tokens).')
param adminApiAudience string = 'api://crm-exchange-sync'

@description('SYNC_AUTHORITY_HOST: Entra ID authority host (differs in sovereign clouds).')
param authorityHost string = environment().authentication.loginEndpoint

@description('SYNC_GRAPH_BASE_URL: Microsoft Graph endpoint with its version (differs in sovereign clouds).')
param graphBaseUrl string = 'https://graph.microsoft.com/v1.0'

@secure()
@description('SYNC_DATAVERSE_WEBHOOK_SECRETS: optional comma-separated shared secrets for HttpHeader-authenticated webhooks. Empty: only the function key is checked.')
param dataverseWebhookSecrets string = ''

@minLength(3)
@maxLength(63)
@description('SYNC_WORK_QUEUE: storage queue of work items (failed items land in <name>-poison).')
param workQueueName string = 'sync-work'

@allowed([ '1', '2', '3', '4' ])
@description('SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX: concurrent Graph calls per mailbox (Exchange allows 4 per app and mailbox).')
param graphMaxConcurrencyPerMailbox string = '4'

@allowed([ 'debug', 'information', 'warning', 'error' ])
@description('SYNC_LOG_LEVEL: one of debug, information, warning, error.')
param logLevel string = 'information'

@minLength(11)
@description('SYNC_TODO_POLL_SCHEDULE: six-field NCRONTAB schedule of the To Do delta poll (apps cannot subscribe to To Do changes); each run costs one Graph call per mailbox syncing tasks.')
param todoPollSchedule string = '*/30 * * * * *'

@minLength(11)
@description('SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: six-field NCRONTAB schedule of the Graph subscription renewal pass (Outlook subscriptions live at most 7 days).')
param subscriptionRenewalSchedule string = '0 */30 * * * *'

@minLength(11)
@description('SYNC_RECONCILIATION_SCHEDULE: six-field NCRONTAB schedule of the reconciliation pass (Graph delta + Dataverse change tracking per enabled mailbox), the safety net for lost notifications and webhooks.')
param reconciliationSchedule string = '0 */15 * * * *'

@description('SYNC_CLIENT_STATE_MAX_AGE_DAYS: whole days after which the renewal pass rotates the clientState secret of a Graph subscription (new subscription first, old one deleted after an overlap); 0 turns automatic rotation off.')
param clientStateMaxAgeDays string = '30'

@description('SYNC_CALENDAR_WINDOW_DAYS: days before and after now covered by calendar delta rounds, "past,future".')
param calendarWindowDays string = '30,365'

@allowed([ 'crmWins', 'exchangeWins' ])
@description('SYNC_CONFLICT_POLICY: which side wins a field changed on both sides since the last sync.')
param conflictPolicy string = 'crmWins'

@description('SYNC_FIELD_DIRECTIONS: optional per-field direction overrides as JSON, e.g. {"contact": {"telephone1": "crmToExchange"}}. Empty: the default directions.')
param fieldDirections string = ''

// ---- Hosting ----

@allowed([ 512, 2048, 4096 ])
@description('Memory of each Flex Consumption instance, in MB (billed per GB-second).')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Most instances the app may scale out to.')
param maximumInstanceCount int = 40

@description('Optional resource names; empty: generated from the environment name.')
param resourceGroupName string = ''
param functionAppName string = ''
param storageAccountName string = ''
param keyVaultName string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var tenantId = empty(syncTenantId) ? tenant().tenantId : syncTenantId
var appName = !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}sync-${resourceToken}'
// Flex Consumption runs the app package from this blob container.
var deploymentStorageContainerName = 'app-package-${take(appName, 32)}-${take(toLower(uniqueString(appName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The app's only identity: storage, Key Vault references and Application Insights all use it.
module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}sync-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
    deploymentContainerName: deploymentStorageContainerName
    location: location
    tags: tags
  }
}

module keyVault './app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    tenantId: subscription().tenantId
    clientSecret: syncClientSecret
    dataverseWebhookSecrets: dataverseWebhookSecrets
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: appName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentStorageContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    tenantId: tenantId
    clientId: syncClientId
    clientCredentialUri: '${keyVault.outputs.vaultUri}secrets/${keyVault.outputs.clientSecretName}'
    webhookHeaderCredentialsUri: empty(dataverseWebhookSecrets) ? '' : '${keyVault.outputs.vaultUri}secrets/${keyVault.outputs.webhookSecretsName}'
    dataverseUrl: dataverseUrl
    adminApiAudience: adminApiAudience
    authorityHost: authorityHost
    graphBaseUrl: graphBaseUrl
    workQueueName: workQueueName
    graphMaxConcurrencyPerMailbox: graphMaxConcurrencyPerMailbox
    logLevel: logLevel
    todoPollSchedule: todoPollSchedule
    subscriptionRenewalSchedule: subscriptionRenewalSchedule
    reconciliationSchedule: reconciliationSchedule
    clientStateMaxAgeDays: clientStateMaxAgeDays
    calendarWindowDays: calendarWindowDays
    conflictPolicy: conflictPolicy
    fieldDirections: fieldDirections
  }
  // The roles must exist before the host first starts: storage for the host itself, Key Vault for the
  // reference to resolve (an unresolved reference leaves the literal @Microsoft.KeyVault(...) text).
  dependsOn: [
    rbac
  ]
}

// azd writes these into the environment (.azure/<env>/.env): `npm run register` and the guide use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output SYNC_TENANT_ID string = tenantId
output SYNC_PUBLIC_BASE_URL string = api.outputs.publicBaseUrl
output DATAVERSE_WEBHOOK_URL string = '${api.outputs.publicBaseUrl}/webhooks/dataverse'
