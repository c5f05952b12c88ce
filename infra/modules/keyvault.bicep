// Key Vault (RBAC mode) for the gateway's TLS certificate and the DKIM private keys. No access policies:
// roles decide who reads what (see roles.bicep).

param location string
param tags object
param keyVaultName string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    // main.bicep reads the TLS certificate with getSecret() into the gateway's container groups.
    enabledForTemplateDeployment: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
