// The storage account: MailCloud's state (directory, spool, mailboxes) and the Functions host's own storage.
// Identity-only access: no account keys, no SAS, no anonymous blobs.

param location string
param tags object
param storageAccountName string

@description('Blob containers the code reads; names must match StorageOptions (checked by tests/MailCloud.Infra.Tests).')
param containerNames array

@description('Tables the code reads and writes (the mailbox index); names must match StorageOptions (checked by tests/MailCloud.Infra.Tests).')
param tableNames array

@description('The spool holds accepted messages: the pipeline reads them, delivered mail references them from mailbox rows, and the pipeline\'s own sweep deletes them once nothing does.')
param spoolContainerName string

@description('Pipeline markers (spool "state/") are needed for the relay\'s retry period, 5 days at most.')
param spoolMarkerRetentionDays int = 7

@description('Where azd uploads the Flex Consumption deployment package.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for name in union(containerNames, [deploymentContainerName]): {
    parent: blobService
    name: name
    properties: { publicAccess: 'None' }
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for name in tableNames: {
    parent: tableService
    name: name
  }
]

// A backstop behind the pipeline's own housekeeping, for markers only: a message blob may be
// referenced by mailboxes for years, so no rule deletes spool messages by age.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-pipeline-markers'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${spoolContainerName}/state/']
            }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: spoolMarkerRetentionDays } }
            }
          }
        }
      ]
    }
  }
  dependsOn: [containers]
}

output storageAccountName string = storage.name
output storageAccountId string = storage.id
output blobServiceUri string = storage.properties.primaryEndpoints.blob
output queueServiceUri string = storage.properties.primaryEndpoints.queue
output tableServiceUri string = storage.properties.primaryEndpoints.table
output deploymentContainerUri string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
