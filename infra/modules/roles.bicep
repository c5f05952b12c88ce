// Who may do what, by managed identity. Each role is granted on the narrowest resource that works.

param storageAccountName string
param serviceBusNamespaceName string
param keyVaultName string
param registryName string
param applicationInsightsName string
param gatewayPrincipalId string
param functionsPrincipalId string

@description('The user running azd (AZURE_PRINCIPAL_ID): uploads the TLS certificate and DKIM keys, and runs the mailcloud CLI against the account and the queues. Empty to skip.')
param deployerPrincipalId string = ''
param deployerPrincipalType string = 'User'

@description('The Functions app renews the gateway\'s certificate by ACME: it imports certificates and keeps the ACME account key as a secret.')
param functionsRenewCertificates bool = false

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Storage. The gateway writes the spool, reads the directory and reads/writes mailboxes (IMAP, POP3:
// message blobs and the mailbox index table).
// The Functions app does the same for the pipeline, and its host keeps triggers' state (blobs, queues,
// tables) in the same account (AzureWebJobsStorage) and its deployment package in a blob container,
// which Flex Consumption requires Blob Data Owner for.
var storageGrants = [
  { principalId: gatewayPrincipalId, role: roles.storageBlobDataContributor, type: 'ServicePrincipal' }
  { principalId: gatewayPrincipalId, role: roles.storageTableDataContributor, type: 'ServicePrincipal' }
  { principalId: functionsPrincipalId, role: roles.storageBlobDataOwner, type: 'ServicePrincipal' }
  { principalId: functionsPrincipalId, role: roles.storageQueueDataContributor, type: 'ServicePrincipal' }
  { principalId: functionsPrincipalId, role: roles.storageTableDataContributor, type: 'ServicePrincipal' }
]

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in storageGrants: {
    scope: storage
    name: guid(storage.id, grant.principalId, grant.role)
    properties: {
      principalId: grant.principalId
      principalType: grant.type
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
    }
  }
]

// Service Bus. The gateway only enqueues to "inbound"; the stages receive, and send on to the next queue
// (and back to their own, delayed, to retry).
var serviceBusGrants = [
  { principalId: gatewayPrincipalId, role: roles.serviceBusDataSender }
  { principalId: functionsPrincipalId, role: roles.serviceBusDataSender }
  { principalId: functionsPrincipalId, role: roles.serviceBusDataReceiver }
]

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in serviceBusGrants: {
    scope: serviceBus
    name: guid(serviceBus.id, grant.principalId, grant.role)
    properties: {
      principalId: grant.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
    }
  }
]

// Key Vault: the gateway reads the TLS certificate, the Relay stage the DKIM keys.
resource vaultAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in [gatewayPrincipalId, functionsPrincipalId]: {
    scope: vault
    name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    }
  }
]

// ACME renewal (CertificateRenewal function): imports the certificate (Certificates Officer) and writes the
// account key secret (Secrets Officer). Reading the certificate with its key is a secret read, which the
// gateway's Secrets User covers.
resource renewalAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in (functionsRenewCertificates ? [roles.keyVaultCertificatesOfficer, roles.keyVaultSecretsOfficer] : []): {
    scope: vault
    name: guid(vault.id, functionsPrincipalId, role)
    properties: {
      principalId: functionsPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, gatewayPrincipalId, roles.acrPull)
  properties: {
    principalId: gatewayPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

// Application Insights has local auth disabled: both apps publish telemetry with their identity.
resource telemetryAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in [gatewayPrincipalId, functionsPrincipalId]: {
    scope: applicationInsights
    name: guid(applicationInsights.id, principalId, roles.monitoringMetricsPublisher)
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    }
  }
]

var deployerGrants = empty(deployerPrincipalId)
  ? []
  : [
      { scope: 'vault', role: roles.keyVaultSecretsOfficer }
      { scope: 'vault', role: roles.keyVaultCertificatesOfficer }
      { scope: 'storage', role: roles.storageBlobDataContributor }
      // `mailcloud queue` reads queue depths (runtime properties need Manage), peeks and replays dead letters
      // (receive, send): only Data Owner holds Manage among the data-plane roles.
      { scope: 'serviceBus', role: roles.serviceBusDataOwner }
    ]

resource deployerVaultAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in filter(deployerGrants, g => g.scope == 'vault'): {
    scope: vault
    name: guid(vault.id, deployerPrincipalId, grant.role)
    properties: {
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
    }
  }
]

resource deployerServiceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in filter(deployerGrants, g => g.scope == 'serviceBus'): {
    scope: serviceBus
    name: guid(serviceBus.id, deployerPrincipalId, grant.role)
    properties: {
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
    }
  }
]

resource deployerStorageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in filter(deployerGrants, g => g.scope == 'storage'): {
    scope: storage
    name: guid(storage.id, deployerPrincipalId, grant.role)
    properties: {
      principalId: deployerPrincipalId
      principalType: deployerPrincipalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
    }
  }
]
