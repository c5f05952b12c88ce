// The gateway: `mailcloud gateway` containers on Azure Container Instances in our VNet, behind a Standard
// Load Balancer with a static public IP. The load balancer is a pass-through (it rewrites only the
// destination), so the gateway sees every client's real address on every port: Received headers,
// per-IP limits, SPF and DNSBL checks need it (docs/deploy.md, "Choosing the gateway's host").
//
// ACI allows at most five ports per container group IP, and a plain load balancer in front of VNet
// container groups is not supported. So the gateway runs as two NGroups (ACI's managed sets of container
// groups, which keep the load balancer's backend pool pointed at their groups' current private IPs):
// "smtp" (25, 587, 465) and "mailbox" (143, 993, 110, 995), each with the health port. Same image, each
// with its own listeners; the load balancer maps public port -> listener port -> the role's pool.

param location string
param tags object
param publicIpName string
param loadBalancerName string

@description('Prefix of the per-role container group profiles and NGroups; the role name is appended.')
param namePrefix string

@description('DNS label of the public IP: <label>.<region>.cloudapp.azure.com.')
param dnsLabel string
param virtualNetworkId string

@description('Subnet delegated to Microsoft.ContainerInstance/containerGroups.')
param subnetId string
param identityId string
param identityClientId string
param registryLoginServer string

@description('Where the containers\' stdout and stderr go.')
param logAnalyticsName string
param applicationInsightsConnectionString string

@description('The gateway image in our registry; empty until the postdeploy hook has built it, and then no container group is created yet.')
param image string = ''

@description('Settings the MailCloud code reads (Storage__*, Queueing__*, Gateway__*, ...).')
param mailCloudSettings object

@description('{ role, publicPort, idleTimeoutInMinutes, listener: ListenerOptions by property name }.')
param listeners array

@description('HTTP port of /healthz and /readyz (Gateway:HealthPort); the load balancer probes /readyz on it.')
param healthPort int

@description('Public port mapped onto the health port of the smtp role for ACME HTTP-01 (/.well-known/acme-challenge/, answered from storage); 0: none.')
param acmeHttpPort int = 0

@secure()
@description('PEM certificate chain and key for TLS, read from Key Vault at deployment; empty for none (STARTTLS not offered).')
param tlsCertificatePem string = ''

@description('Container groups per role; two ride out one group\'s restart or an update batch.')
@minValue(1)
param instancesPerRole int = 1

param cpuCores string = '0.5'
param memoryInGB string = '1'

var roles = ['smtp', 'mailbox']
var deploysContainers = !empty(image)
var hasTlsCertificate = !empty(tlsCertificatePem)
var tlsMountPath = '/mnt/tls'
var tlsFileName = 'gateway.pem'
var frontendName = 'public'
var probeName = 'readyz'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-07-01' existing = {
  name: logAnalyticsName
}

resource publicIp 'Microsoft.Network/publicIPAddresses@2025-01-01' = {
  name: publicIpName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    dnsSettings: { domainNameLabel: dnsLabel }
  }
}

resource loadBalancer 'Microsoft.Network/loadBalancers@2025-01-01' = {
  name: loadBalancerName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    frontendIPConfigurations: [
      { name: frontendName, properties: { publicIPAddress: { id: publicIp.id } } }
    ]
    // IP-based pools: the NGroups write their container groups' private addresses into them.
    backendAddressPools: [for role in roles: { name: role, properties: { virtualNetwork: { id: virtualNetworkId } } }]
    probes: [
      {
        name: probeName
        properties: {
          protocol: 'Http'
          port: healthPort
          requestPath: '/readyz'
          intervalInSeconds: 5
          probeThreshold: 2
        }
      }
    ]
    loadBalancingRules: concat(map(listeners, entry => {
        name: entry.listener.Name
        properties: {
          protocol: 'Tcp'
          frontendIPConfiguration: { id: resourceId('Microsoft.Network/loadBalancers/frontendIPConfigurations', loadBalancerName, frontendName) }
          frontendPort: entry.publicPort
          backendPort: entry.listener.Port
          backendAddressPool: { id: resourceId('Microsoft.Network/loadBalancers/backendAddressPools', loadBalancerName, entry.role) }
          probe: { id: resourceId('Microsoft.Network/loadBalancers/probes', loadBalancerName, probeName) }
          // Not floating IP: the backend port differs from the public one (non-root listeners above 1024).
          enableFloatingIP: false
          enableTcpReset: true
          idleTimeoutInMinutes: entry.idleTimeoutInMinutes
          // Outbound traffic leaves through the subnet's NAT gateway (network.bicep), not the listeners' IP.
          disableOutboundSnat: true
          loadDistribution: 'Default'
        }
      }), acmeHttpPort == 0 ? [] : [
      {
        // The smtp role's groups open the health port already, so HTTP-01 costs no ACI port.
        name: 'acme-http'
        properties: {
          protocol: 'Tcp'
          frontendIPConfiguration: { id: resourceId('Microsoft.Network/loadBalancers/frontendIPConfigurations', loadBalancerName, frontendName) }
          frontendPort: acmeHttpPort
          backendPort: healthPort
          backendAddressPool: { id: resourceId('Microsoft.Network/loadBalancers/backendAddressPools', loadBalancerName, 'smtp') }
          probe: { id: resourceId('Microsoft.Network/loadBalancers/probes', loadBalancerName, probeName) }
          enableFloatingIP: false
          enableTcpReset: true
          idleTimeoutInMinutes: 4
          disableOutboundSnat: true
          loadDistribution: 'Default'
        }
      }
    ])
  }
}

// Config keys are flattened the way .NET configuration reads environment variables ("__" for ":").
var settingsEnv = map(items(mailCloudSettings), setting => { name: setting.key, value: string(setting.value) })
var tlsEnv = hasTlsCertificate
  ? [
      { name: 'Gateway__Tls__CertificatePath', value: '${tlsMountPath}/${tlsFileName}' }
      { name: 'Gateway__Tls__KeyPath', value: '${tlsMountPath}/${tlsFileName}' }
    ]
  : []
var platformEnv = [
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
  // The exporter signs in with this identity (core/Diagnostics): Application Insights has local auth off.
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identityClientId}' }
]

// Per role: its listeners (renumbered from 0) as settings, and the ports its container group opens.
var roleListeners = toObject(roles, role => role, role => filter(listeners, entry => entry.role == role))
var roleEnv = toObject(roles, role => role, role => flatten(map(range(0, length(roleListeners[role])), i => map(items(roleListeners[role][i].listener), property => {
  name: 'Gateway__Listeners__${i}__${property.key}'
  value: string(property.value)
}))))
var rolePorts = toObject(roles, role => role, role => concat(map(roleListeners[role], entry => { port: entry.listener.Port, protocol: 'TCP' }), [{ port: healthPort, protocol: 'TCP' }]))

resource profiles 'Microsoft.ContainerInstance/containerGroupProfiles@2025-09-01' = [
  for role in roles: if (deploysContainers) {
    name: '${namePrefix}-${role}'
    location: location
    tags: tags
    properties: {
      osType: 'Linux'
      sku: 'Standard'
      restartPolicy: 'Always'
      diagnostics: {
        logAnalytics: {
          workspaceId: logAnalytics.properties.customerId
          workspaceKey: logAnalytics.listKeys().primarySharedKey
          logType: 'ContainerInstanceLogs'
        }
      }
      // At most five ports per container group IP, ACI's hard limit (checked by tests/MailCloud.Infra.Tests).
      ipAddress: { type: 'Private', ports: rolePorts[role] }
      imageRegistryCredentials: [{ server: registryLoginServer, identity: identityId }]
      containers: [
        {
          name: 'gateway'
          properties: {
            image: image
            ports: rolePorts[role]
            resources: { requests: { cpu: json(cpuCores), memoryInGB: json(memoryInGB) } }
            environmentVariables: concat(settingsEnv, roleEnv[role], tlsEnv, platformEnv)
            volumeMounts: hasTlsCertificate ? [{ name: 'tls', mountPath: tlsMountPath, readOnly: true }] : []
          }
        }
      ]
      volumes: hasTlsCertificate ? [{ name: 'tls', secret: { '${tlsFileName}': base64(tlsCertificatePem) } }] : []
    }
  }
]

resource nGroups 'Microsoft.ContainerInstance/NGroups@2025-09-01' = [
  for (role, i) in roles: if (deploysContainers) {
    name: '${namePrefix}-${role}'
    location: location
    tags: tags
    identity: {
      type: 'UserAssigned'
      userAssignedIdentities: { '${identityId}': {} }
    }
    properties: {
      elasticProfile: { desiredCount: instancesPerRole, maintainDesiredCount: true }
      // A new image is a new profile revision, rolled out a batch at a time.
      updateProfile: {
        updateMode: 'Rolling'
        rollingUpdateProfile: { maxBatchPercent: 50, maxUnhealthyPercent: 50, inPlaceUpdate: false }
      }
      containerGroupProfiles: [
        {
          resource: { id: profiles[i]!.id }
          revision: profiles[i]!.properties.revision
          containerGroupProperties: { subnetIds: [{ id: subnetId }] }
          networkProfile: {
            loadBalancer: { backendAddressPools: [{ resource: '${loadBalancer.id}/backendAddressPools/${role}' }] }
          }
        }
      ]
    }
  }
]

output publicIpAddress string = publicIp.properties.ipAddress
output fqdn string = publicIp.properties.dnsSettings.fqdn
output containersDeployed bool = deploysContainers
