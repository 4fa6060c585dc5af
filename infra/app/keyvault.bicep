// The Key Vault holding the sync app's client secret (and, if used, the Dataverse webhook header secrets).
// RBAC authorization: the app's identity reads secrets as Key Vault Secrets User (rbac.bicep), through Key
// Vault references in its app settings. References name the secret without a version, so a rotated
// secret (a new version) is picked up without redeploying.
param name string
param location string
param tags object = {}
param tenantId string

@secure()
param clientSecret string

@secure()
param dataverseWebhookSecrets string = ''

var clientSecretName = 'sync-client-secret'
var webhookSecretsName = 'dataverse-webhook-secrets'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource clientSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: clientSecretName
  properties: {
    value: clientSecret
    contentType: 'client secret of the sync app registration'
  }
}

resource webhookSecretsEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(dataverseWebhookSecrets)) {
  parent: vault
  name: webhookSecretsName
  properties: {
    value: dataverseWebhookSecrets
    contentType: 'comma-separated shared secrets of the Dataverse webhook (HttpHeader auth)'
  }
}

output name string = vault.name
// Ends with a slash: https://<name>.vault.azure.net/
output vaultUri string = vault.properties.vaultUri
// Names only (never values): the API module builds the Key Vault references from them. The secrets exist
// once this module has completed, which the API module waits for by using these outputs.
output clientSecretName string = clientSecretEntry.name
output webhookSecretsName string = webhookSecretsName
