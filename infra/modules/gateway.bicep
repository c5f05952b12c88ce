// The gateway: the `mailcloud gateway` container on a VNet-integrated Container Apps environment.
// TCP ingress exposes the mail ports directly (no HTTP proxy in between); one replica always runs,
// more are added by concurrent TCP connections.

param location string
param tags object
param environmentName string
param containerAppName string
param subnetId string
param logAnalyticsName string
param identityId string
param identityClientId string
param registryLoginServer string
param applicationInsightsConnectionString string

@description('The image azd deployed last; empty on the first provision, when a placeholder runs until azd deploy.')
param image string = ''

@description('Settings the MailCloud code reads (Storage__*, Queueing__*, Gateway__*, ...).')
param mailCloudSettings object

@description('{ publicPort, listener: ListenerOptions by property name }; the first is the ingress\'s main port, the rest are additional port mappings.')
param listeners array

@description('HTTP port of /healthz and /readyz (Gateway:HealthPort).')
param healthPort int

@description('Key Vault secret URI of the PEM certificate and key for TLS; empty for none (STARTTLS not offered).')
param tlsCertificateSecretUri string = ''

param minReplicas int = 1
param maxReplicas int = 10

@description('Concurrent TCP connections per replica before another replica is added.')
param concurrentConnectionsPerReplica int = 500

var usesDeployedImage = !empty(image)
var hasTlsCertificate = !empty(tlsCertificateSecretUri)
var tlsMountPath = '/mnt/tls'
var tlsFileName = 'gateway.pem'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-07-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // TCP ingress needs an environment on our own VNet.
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
    ]
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
  }
}

// Config keys are flattened the way .NET configuration reads environment variables ("__" for ":").
var settingsEnv = map(items(mailCloudSettings), setting => { name: setting.key, value: string(setting.value) })
var listenerEnv = flatten(map(range(0, length(listeners)), i => map(items(listeners[i].listener), property => {
  name: 'Gateway__Listeners__${i}__${property.key}'
  value: string(property.value)
})))
var tlsEnv = hasTlsCertificate
  ? [
      { name: 'Gateway__Tls__CertificatePath', value: '${tlsMountPath}/${tlsFileName}' }
      { name: 'Gateway__Tls__KeyPath', value: '${tlsMountPath}/${tlsFileName}' }
    ]
  : []
var platformEnv = [
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
]

var healthProbes = [
  {
    type: 'Liveness'
    httpGet: { path: '/healthz', port: healthPort }
    periodSeconds: 10
    failureThreshold: 3
  }
  {
    type: 'Readiness'
    httpGet: { path: '/readyz', port: healthPort }
    periodSeconds: 5
    failureThreshold: 3
  }
]

resource gateway 'Microsoft.App/containerApps@2025-07-01' = {
  name: containerAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'gateway' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        transport: 'tcp'
        targetPort: listeners[0].listener.Port
        exposedPort: listeners[0].publicPort
        additionalPortMappings: [
          for entry in skip(listeners, 1): { external: true, targetPort: entry.listener.Port, exposedPort: entry.publicPort }
        ]
      }
      registries: [
        { server: registryLoginServer, identity: identityId }
      ]
      secrets: hasTlsCertificate
        ? [
            { name: 'tls-certificate', keyVaultUrl: tlsCertificateSecretUri, identity: identityId }
          ]
        : []
    }
    template: {
      containers: [
        {
          name: 'gateway'
          // The placeholder does not serve the health endpoint, so probes start with the real image.
          image: usesDeployedImage ? image : 'mcr.microsoft.com/k8se/quickstart:latest'
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat(settingsEnv, listenerEnv, tlsEnv, platformEnv)
          probes: usesDeployedImage ? healthProbes : []
          volumeMounts: hasTlsCertificate ? [{ volumeName: 'tls', mountPath: tlsMountPath }] : []
        }
      ]
      volumes: hasTlsCertificate
        ? [
            {
              name: 'tls'
              storageType: 'Secret'
              secrets: [{ secretRef: 'tls-certificate', path: tlsFileName }]
            }
          ]
        : []
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'tcp-connections'
            tcp: { metadata: { concurrentConnections: string(concurrentConnectionsPerReplica) } }
          }
        ]
      }
    }
  }
}

output containerAppName string = gateway.name
output fqdn string = gateway.properties.configuration.ingress.fqdn
output staticIp string = environment.properties.staticIp
output environmentDefaultDomain string = environment.properties.defaultDomain
