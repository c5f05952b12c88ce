// The container registry azd pushes the gateway image to. No admin user: the gateway pulls with its identity (AcrPull).

param location string
param tags object
param registryName string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: registryName
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
  }
}

output registryName string = registry.name
output loginServer string = registry.properties.loginServer
