// The virtual network: one subnet for the gateway's container groups (delegated to Azure Container
// Instances), one for the Function App's outbound VNet integration (delegated to Microsoft.App/environments,
// which Flex Consumption requires).

param location string
param tags object
param virtualNetworkName string
param addressPrefix string = '10.40.0.0/16'
param gatewaySubnetPrefix string = '10.40.0.0/24'
param functionsSubnetPrefix string = '10.40.2.0/24'

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2025-01-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'gateway'
        properties: {
          addressPrefix: gatewaySubnetPrefix
          delegations: [
            { name: 'container-instances', properties: { serviceName: 'Microsoft.ContainerInstance/containerGroups' } }
          ]
          // ACI in a VNet reaches Storage through a service endpoint.
          serviceEndpoints: [
            { service: 'Microsoft.Storage' }
          ]
        }
      }
      {
        name: 'functions'
        properties: {
          addressPrefix: functionsSubnetPrefix
          delegations: [
            { name: 'functions', properties: { serviceName: 'Microsoft.App/environments' } }
          ]
          serviceEndpoints: [
            { service: 'Microsoft.Storage' }
            { service: 'Microsoft.ServiceBus' }
            { service: 'Microsoft.KeyVault' }
          ]
        }
      }
    ]
  }
}

output virtualNetworkId string = virtualNetwork.id
output gatewaySubnetId string = virtualNetwork.properties.subnets[0].id
output functionsSubnetId string = virtualNetwork.properties.subnets[1].id
