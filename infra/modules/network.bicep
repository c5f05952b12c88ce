// The virtual network: one subnet for the Container Apps environment (the gateway), one for the
// Function App's outbound VNet integration. Both are delegated to Microsoft.App/environments,
// which is what workload-profile environments and Flex Consumption both require.

param location string
param tags object
param virtualNetworkName string
param addressPrefix string = '10.40.0.0/16'
param containerAppsSubnetPrefix string = '10.40.0.0/23'
param functionsSubnetPrefix string = '10.40.2.0/24'

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2025-01-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'container-apps'
        properties: {
          addressPrefix: containerAppsSubnetPrefix
          delegations: [
            { name: 'container-apps', properties: { serviceName: 'Microsoft.App/environments' } }
          ]
          serviceEndpoints: [
            { service: 'Microsoft.Storage' }
            { service: 'Microsoft.ServiceBus' }
            { service: 'Microsoft.KeyVault' }
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

output containerAppsSubnetId string = virtualNetwork.properties.subnets[0].id
output functionsSubnetId string = virtualNetwork.properties.subnets[1].id
