// The virtual network: one subnet for the gateway's container groups (delegated to Azure Container
// Instances), one for the Function App's outbound VNet integration (delegated to Microsoft.App/environments,
// which Flex Consumption requires).

param location string
param tags object
param virtualNetworkName string
param addressPrefix string = '10.40.0.0/16'
param gatewaySubnetPrefix string = '10.40.0.0/24'
param functionsSubnetPrefix string = '10.40.2.0/24'
param natGatewayName string
param egressIpName string

@description('DNS label of the egress IP: <label>.<region>.cloudapp.azure.com.')
param egressDnsLabel string

@description('PTR of the egress IP, e.g. out.example.com; empty for none. Azure accepts it only once that name resolves to the IP (an A record, or a CNAME to the label\'s name).')
param egressReverseFqdn string = ''

// One static egress IP for everything the VNet sends out: the Relay stage's SMTP (its PTR is what
// receiving servers check) and the gateway's DNS and Azure calls. Flex Consumption sends all outbound
// traffic through its integration subnet.
resource egressIp 'Microsoft.Network/publicIPAddresses@2025-01-01' = {
  name: egressIpName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    dnsSettings: union(
      { domainNameLabel: egressDnsLabel },
      empty(egressReverseFqdn) ? {} : { reverseFqdn: endsWith(egressReverseFqdn, '.') ? egressReverseFqdn : '${egressReverseFqdn}.' }
    )
  }
}

resource natGateway 'Microsoft.Network/natGateways@2025-01-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 10
    publicIpAddresses: [{ id: egressIp.id }]
  }
}

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
          natGateway: { id: natGateway.id }
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
          natGateway: { id: natGateway.id }
          delegations: [
            { name: 'functions', properties: { serviceName: 'Microsoft.App/environments' } }
          ]
          // No Microsoft.ServiceBus endpoint: Service Bus Standard ignores service endpoints (Premium only).
          serviceEndpoints: [
            { service: 'Microsoft.Storage' }
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
output egressIpAddress string = egressIp.properties.ipAddress
output egressFqdn string = egressIp.properties.dnsSettings.fqdn
