// One user-assigned identity per service, so each gets only the roles it needs.

param location string
param tags object
param gatewayIdentityName string
param functionsIdentityName string

resource gateway 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: gatewayIdentityName
  location: location
  tags: tags
}

resource functions 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: functionsIdentityName
  location: location
  tags: tags
}

output gatewayIdentityId string = gateway.id
output gatewayClientId string = gateway.properties.clientId
output gatewayPrincipalId string = gateway.properties.principalId
output functionsIdentityId string = functions.id
output functionsClientId string = functions.properties.clientId
output functionsPrincipalId string = functions.properties.principalId
