// Secrets Bicep itself owns. The TLS certificate, DKIM keys and smart-host password are uploaded by
// the operator (docs/deploy.md); only the SRS key is generated here, from a value azd keeps stable
// across provisions (secretOrRandomPassword in main.parameters.json).

param keyVaultName string

@secure()
@minLength(16)
param srsSecret string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource srs 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'srs-secret'
  properties: {
    value: srsSecret
    contentType: 'text/plain'
  }
}

output srsSecretUri string = srs.properties.secretUri
