// The Function App: Flex Consumption (FC1, Linux), Node 20, run from a package in blob storage, with the
// user-assigned identity as its only credential. Its app settings are the `appSettings` object below —
// every setting shared/config.ts requires, plus the host's own; tests/unit/infra-consistency.test.ts reads
// this object and fails when a required setting is missing or a setting nobody reads is added.
// Flex Consumption sets the runtime in functionAppConfig: FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and the content-share settings must not be set.
param name string
param planName string
param location string
param tags object = {}
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int = 2048
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

// The sync's settings, passed through from main.bicep.
param tenantId string
param clientId string
@description('Key Vault secret URI (no version) of the client secret.')
param clientCredentialUri string
@description('Key Vault secret URI (no version) of the webhook header secrets; empty when none are used.')
param webhookHeaderCredentialsUri string = ''
param dataverseUrl string
param adminApiAudience string
param authorityHost string
param graphBaseUrl string
param workQueueName string
param graphMaxConcurrencyPerMailbox string
param logLevel string
param todoPollSchedule string
param subscriptionRenewalSchedule string
param reconciliationSchedule string
param clientStateMaxAgeDays string
param calendarWindowDays string
param conflictPolicy string
param fieldDirections string = ''

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy `services.api` of azure.yaml to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity (the default would be a system-assigned one).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
  }
}

var keyVaultReference = '@Microsoft.KeyVault(SecretUri=${clientCredentialUri})'
var publicBaseUrl = 'https://${functionApp.properties.defaultHostName}/api'

var appSettings = {
  // Host storage, identity-based (the account allows no shared key). The queue and table URIs also serve
  // our own queue and table clients (shared/storage.ts).
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  // Telemetry with the managed identity (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The sync (shared/config.ts; each is documented in local.settings.sample.json).
  SYNC_TENANT_ID: tenantId
  SYNC_CLIENT_ID: clientId
  SYNC_CLIENT_SECRET: keyVaultReference
  SYNC_AUTHORITY_HOST: authorityHost
  SYNC_GRAPH_BASE_URL: graphBaseUrl
  SYNC_DATAVERSE_URL: dataverseUrl
  SYNC_PUBLIC_BASE_URL: publicBaseUrl
  SYNC_ADMIN_API_AUDIENCE: adminApiAudience
  // Empty means "not used" to shared/config.ts.
  SYNC_DATAVERSE_WEBHOOK_SECRETS: empty(webhookHeaderCredentialsUri) ? '' : '@Microsoft.KeyVault(SecretUri=${webhookHeaderCredentialsUri})'
  SYNC_WORK_QUEUE: workQueueName
  SYNC_GRAPH_MAX_CONCURRENCY_PER_MAILBOX: graphMaxConcurrencyPerMailbox
  SYNC_LOG_LEVEL: logLevel
  // Read by the host itself too, through %SYNC_..._SCHEDULE% in the timer triggers.
  SYNC_TODO_POLL_SCHEDULE: todoPollSchedule
  SYNC_SUBSCRIPTION_RENEWAL_SCHEDULE: subscriptionRenewalSchedule
  SYNC_RECONCILIATION_SCHEDULE: reconciliationSchedule
  SYNC_CLIENT_STATE_MAX_AGE_DAYS: clientStateMaxAgeDays
  SYNC_CALENDAR_WINDOW_DAYS: calendarWindowDays
  SYNC_CONFLICT_POLICY: conflictPolicy
  SYNC_FIELD_DIRECTIONS: fieldDirections
}

// A separate resource so that a setting may use the app's own host name (SYNC_PUBLIC_BASE_URL).
// It replaces the whole set: a setting added in the portal is removed by the next `azd provision`.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}

output name string = functionApp.name
output publicBaseUrl string = publicBaseUrl
