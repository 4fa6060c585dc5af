// The user-assigned managed identity of the Function App: the one credential it has for storage, Key Vault
// and Application Insights. User-assigned (not system-assigned) so that its roles can be granted before the
// app exists, and survive the app being recreated.
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
