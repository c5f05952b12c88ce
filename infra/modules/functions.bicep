// The pipeline stages (Route, Deliver, Relay, housekeeping) as an isolated-worker Function App on the
// Flex Consumption plan: pay per execution, Service Bus triggers, outbound traffic through the VNet.
// Every connection is identity-based; no connection string or key is in the app settings.

param location string
param tags object
param functionAppName string
param planName string
param identityId string
param identityClientId string
param subnetId string
param storageAccountName string
param deploymentContainerUri string
param applicationInsightsConnectionString string

@description('Settings the MailCloud code reads (Storage__*, Queueing__*, Relay__*, ...), shared with the gateway where they overlap.')
param mailCloudSettings object

param serviceBusFullyQualifiedNamespace string
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

// The Functions host's own connections, by identity
// (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Connection = "ServiceBus" on every [ServiceBusTrigger].
  ServiceBus__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential in our own code picks the user-assigned identity from this.
  AZURE_CLIENT_ID: identityClientId
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (@Microsoft.KeyVault(...)) resolve with this identity.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: subnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUri
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    // Each instance relays at its share of Relay:RateLimit:MessagesPerMinute (docs/deploy.md, "Relay limits").
    properties: union(hostSettings, mailCloudSettings, { Relay__RateLimit__SharedByInstances: string(maximumInstanceCount) })
  }
}

output functionAppName string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
