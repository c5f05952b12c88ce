// MailCloud on Azure: `azd up` provisions this, then deploys the gateway image and the Functions package.
// Subscription scope so one environment is one resource group, created here.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@minLength(3)
@description('The first mail domain hosted here, e.g. example.com (more are added with `mailcloud domain add`).')
param mailDomain string

@description('The gateway\'s public host name: greetings, Received headers, the MX target. Defaults to mail.<mailDomain>.')
param gatewayHostName string = ''

@description('Object id of the user running azd (AZURE_PRINCIPAL_ID); gets rights to upload secrets and run the CLI.')
param principalId string = ''

@description('Authenticated smart host for outbound mail; empty for the default: Azure Communication Services SMTP unless allowOutboundPort25.')
param smartHost string = ''

@description('True only on a subscription that may send on TCP 25 (Enterprise Agreement, MCA-E): with no smartHost the Relay then delivers straight to MX hosts.')
param allowOutboundPort25 bool = false

@description('Name of the relay\'s egress IP (PTR and EHLO name), e.g. out.example.com; set it after its A record points at RELAY_EGRESS_IP. Empty: no PTR, EHLO is the gateway host name.')
param relayHostName string = ''

@description('587 (STARTTLS) or 465 (implicit TLS).')
@allowed([587, 465, 2525])
param smartHostPort int = 587

@description('User name at the smart host; its password is the Key Vault secret "smarthost-password".')
param smartHostUsername string = ''

@description('Key Vault secret holding the gateway\'s PEM certificate and key; empty until uploaded (see docs/deploy.md).')
param tlsCertificateSecretName string = ''

@description('Obtain and renew the gateway\'s certificate by ACME (HTTP-01 on port 80 of the gateway\'s IP, kept in Key Vault as certificate "gateway-tls"): the CertificateRenewal function, Key Vault Certificates/Secrets Officer for the Functions identity, a load-balancer rule for port 80.')
param acmeEnabled bool = false

@description('ACME directory; Let\'s Encrypt production by default (its staging: https://acme-staging-v02.api.letsencrypt.org/directory).')
param acmeDirectoryUrl string = 'https://acme-v02.api.letsencrypt.org/directory'

@description('The ACME account\'s contact address, where the CA writes about expiry and incidents; required with acmeEnabled.')
param acmeContactEmail string = ''

@description('Messages a minute the Relay may hand to the smart host, summed over all Function instances (Relay:RateLimit:MessagesPerMinute); 0: no limit. Azure Communication Services accepts 30 by default.')
@minValue(0)
@maxValue(1000000)
param relayMessagesPerMinute int = 0

@description('Key Vault secret holding the DKIM private key (PEM) for mailDomain; empty until uploaded.')
param dkimKeySecretName string = ''

@description('DKIM selector published as <selector>._domainkey.<mailDomain>.')
param dkimSelector string = 'mailcloud'

@description('Front ends (IP or CIDR) trusted to send a PROXY protocol header. The load balancer passes client addresses through and sends none: leave empty unless you put your own PROXY-speaking front end before the gateway.')
param trustedProxies array = []

@description('Deliveries of one queue message before it is dead-lettered.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 10

@description('The gateway image the postdeploy hook built last (GATEWAY_IMAGE); empty on the first provision, which then creates no container group.')
param gatewayImage string = ''

@description('Container groups per gateway role (smtp, mailbox); 2 rides out a restart or an update batch.')
@minValue(1)
@maxValue(10)
param gatewayInstancesPerRole int = 1

@description('Memory of each Flex Consumption instance. Billing is instance memory x active seconds, so 512 costs a quarter of 2048 for the same work; 2048 leaves room for 16 concurrent large messages.')
@allowed([512, 2048, 4096])
param functionsInstanceMemoryMB int = 2048

@maxLength(6)
@description('Appended to the Key Vault name; infra/hooks/new-key-vault-suffix.sh sets a fresh one for each new resource group (KEY_VAULT_SUFFIX).')
param keyVaultSuffix string = ''

@secure()
@description('Sender Rewriting Scheme HMAC key; azd keeps it stable across provisions (main.parameters.json).')
param srsSecret string

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// A soft-deleted vault keeps its name for softDeleteRetentionInDays, so `azd down` + `azd up` would collide
// with it; the preprovision hook picks a new suffix whenever the resource group does not exist yet.
var keyVaultName = 'kv-${resourceToken}${keyVaultSuffix}'
var hostName = empty(gatewayHostName) ? 'mail.${mailDomain}' : gatewayHostName

// Names the code reads with these defaults: StorageOptions' containers, QueueNames.All.
// tests/MailCloud.Infra.Tests checks them against the code, so the two cannot drift.
var containerNames = {
  directory: 'directory'
  spool: 'spool'
  mailboxes: 'mailboxes'
  sieve: 'sieve'
  lists: 'lists'
}
// The mailbox index (folders, UIDs, flags, MODSEQ): one partition per account.
var mailboxTableName = 'mailboxes'
var queueNames = {
  inbound: 'inbound'
  deliver: 'deliver'
  relay: 'relay'
}
var deploymentContainerName = 'functions-deployment'
// CertificateStoreOptions.Container: HTTP-01 answers, shared by the renewal (Functions) and the gateway's HTTP port.
var acmeContainerName = 'acme'
// AcmeOptions.CertificateName's default: the Key Vault certificate the renewal writes and the gateway reloads.
var acmeCertificateName = 'gateway-tls'
var healthPort = 8080

// Gateway:Listeners, one per mail port, from the list the gateway's own defaults are built from
// (gateway/Hosting/DefaultListeners.cs): `listener` holds ListenerOptions' properties by name (they become
// Gateway__Listeners__<i>__<property>); `publicPort` is what the load balancer exposes, mapped onto the
// listener's port (the container runs as non-root, which cannot bind ports below 1024, so each listener
// uses 2000 + its standard port, 2525 for 25; gateway/Dockerfile EXPOSEs the same ports); `role` is the
// container group set that serves it (ACI opens at most five ports per group, health port included);
// `idleTimeoutInMinutes` is the load balancer's for the flow, a minute past the listener's IdleTimeout so
// the gateway closes first and says why (IMAP's is 30 minutes, RFC 9051 §5.4; IDLE keepalives every two).
var listeners = loadJsonContent('../gateway/Hosting/listeners.json')

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module identities 'modules/identities.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    gatewayIdentityName: 'id-gateway-${resourceToken}'
    functionsIdentityName: 'id-functions-${resourceToken}'
  }
}

module network 'modules/network.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    virtualNetworkName: 'vnet-${resourceToken}'
    natGatewayName: 'ng-${resourceToken}'
    egressIpName: 'pip-egress-${resourceToken}'
    egressDnsLabel: 'mailcloud-out-${resourceToken}'
    egressReverseFqdn: relayHostName
  }
}

module storage 'modules/storage.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    storageAccountName: 'st${resourceToken}'
    containerNames: [containerNames.directory, containerNames.spool, containerNames.mailboxes, containerNames.sieve, containerNames.lists, acmeContainerName]
    tableNames: [mailboxTableName]
    spoolContainerName: containerNames.spool
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    serviceBusNamespaceName: 'sb-${resourceToken}'
    queueNames: [queueNames.inbound, queueNames.deliver, queueNames.relay]
    maxDeliveryCount: maxDeliveryCount
  }
}

module keyVault 'modules/keyvault.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    keyVaultName: keyVaultName
  }
}

module secrets 'modules/secrets.bicep' = {
  scope: resourceGroup
  params: {
    keyVaultName: keyVault.outputs.keyVaultName
    srsSecret: srsSecret
  }
}

module registry 'modules/registry.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    registryName: 'cr${resourceToken}'
  }
}

module roles 'modules/roles.bicep' = {
  scope: resourceGroup
  params: {
    storageAccountName: storage.outputs.storageAccountName
    serviceBusNamespaceName: serviceBus.outputs.serviceBusNamespaceName
    keyVaultName: keyVault.outputs.keyVaultName
    registryName: registry.outputs.registryName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    gatewayPrincipalId: identities.outputs.gatewayPrincipalId
    functionsPrincipalId: identities.outputs.functionsPrincipalId
    deployerPrincipalId: principalId
    functionsRenewCertificates: acmeEnabled
  }
}

// What both services read: where the state is and how the queues are reached (by identity).
var sharedSettings = {
  Storage__BlobServiceUri: storage.outputs.blobServiceUri
  Storage__QueueServiceUri: storage.outputs.queueServiceUri
  Storage__DirectoryContainer: containerNames.directory
  Storage__SpoolContainer: containerNames.spool
  Storage__MailboxContainer: containerNames.mailboxes
  Storage__SieveContainer: containerNames.sieve
  Storage__ListsContainer: containerNames.lists
  Storage__MailboxTable: mailboxTableName
  Queueing__Transport: 'ServiceBus'
  Queueing__ServiceBusNamespace: serviceBus.outputs.serviceBusFullyQualifiedNamespace
  Queueing__MaxDeliveryCount: string(maxDeliveryCount)
  // Also the %Queueing:...Queue% binding expressions of the Service Bus triggers, which the
  // Functions host resolves from app settings, not from the options' defaults.
  Queueing__InboundQueue: queueNames.inbound
  Queueing__DeliverQueue: queueNames.deliver
  Queueing__RelayQueue: queueNames.relay
}

var vaultUri = keyVault.outputs.keyVaultUri

// The certificate store both services use with ACME: Key Vault for the certificate, the storage account for challenges.
var certificateStoreSettings = acmeEnabled
  ? {
      Certificates__Store: 'KeyVault'
      Certificates__KeyVaultUri: vaultUri
      Certificates__Container: acmeContainerName
    }
  : {}
var acmeSettings = acmeEnabled
  ? {
      Acme__Enabled: 'true'
      Acme__DirectoryUrl: acmeDirectoryUrl
      Acme__ContactEmail: acmeContactEmail
      Acme__HostNames__0: hostName
      Acme__CertificateName: acmeCertificateName
    }
  : {}
// The gateway reloads the renewed certificate from Key Vault; until the first one is issued it serves the
// secret-volume certificate (tlsCertificateSecretName) or a self-signed one.
var gatewayAcmeSettings = acmeEnabled ? { Gateway__Tls__StoredName: acmeCertificateName } : {}
var relayRateSettings = relayMessagesPerMinute > 0 ? { Relay__RateLimit__MessagesPerMinute: string(relayMessagesPerMinute) } : {}

// Where port 25 is blocked (most subscriptions) the relay must use a smart host; ACS SMTP is the default.
var relaySmartHost = empty(smartHost) && !allowOutboundPort25 ? 'smtp.azurecomm.net' : smartHost
var smartHostSettings = empty(relaySmartHost)
  ? {}
  : union(
      {
        Relay__SmartHost__Host: relaySmartHost
        Relay__SmartHost__Port: string(smartHostPort)
      },
      empty(smartHostUsername)
        ? {}
        : {
            Relay__SmartHost__Username: smartHostUsername
            Relay__SmartHost__Password: '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/smarthost-password)'
          }
    )

// Only once the key is in Key Vault: the Relay stage loads every DKIM key at start and refuses to run on a bad one.
var dkimSettings = empty(dkimKeySecretName)
  ? {}
  : {
      Dkim__Keys__0__Domain: mailDomain
      Dkim__Keys__0__Selector: dkimSelector
      Dkim__Keys__0__PrivateKeyPem: '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${dkimKeySecretName})'
    }

module functions 'modules/functions.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    functionAppName: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    identityId: identities.outputs.functionsIdentityId
    identityClientId: identities.outputs.functionsClientId
    subnetId: network.outputs.functionsSubnetId
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerUri: storage.outputs.deploymentContainerUri
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.serviceBusFullyQualifiedNamespace
    instanceMemoryMB: functionsInstanceMemoryMB
    mailCloudSettings: union(
      sharedSettings,
      {
        // The Relay's EHLO name; receiving servers compare it with the egress IP's PTR.
        Pipeline__HostName: empty(relayHostName) ? hostName : relayHostName
        Pipeline__SrsSecret: '@Microsoft.KeyVault(SecretUri=${secrets.outputs.srsSecretUri})'
        // The client-setup documents (ClientSetupFunction) name the gateway as the mail host; the
        // ports are the public ones, ClientSetupOptions' defaults.
        ClientSetup__MailHost: hostName
      },
      smartHostSettings,
      dkimSettings,
      relayRateSettings,
      certificateStoreSettings,
      acmeSettings
    )
  }
  dependsOn: [roles]
}

// The TLS certificate is copied from Key Vault into the container groups' secret volume at deployment
// (ACI has no Key Vault references): a new certificate version takes effect on the next `azd provision`.
resource vaultForDeployment 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  scope: resourceGroup
  name: keyVaultName
}

module gateway 'modules/gateway.bicep' = {
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    publicIpName: 'pip-gateway-${resourceToken}'
    loadBalancerName: 'lbe-gateway-${resourceToken}'
    namePrefix: 'ci-gateway-${resourceToken}'
    dnsLabel: 'mailcloud-${resourceToken}'
    virtualNetworkId: network.outputs.virtualNetworkId
    subnetId: network.outputs.gatewaySubnetId
    identityId: identities.outputs.gatewayIdentityId
    identityClientId: identities.outputs.gatewayClientId
    registryLoginServer: registry.outputs.loginServer
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    image: gatewayImage
    listeners: listeners
    healthPort: healthPort
    instancesPerRole: gatewayInstancesPerRole
    // HTTP-01: the CA asks http://<hostName>/.well-known/acme-challenge/… on the load balancer's IP.
    acmeHttpPort: acmeEnabled ? 80 : 0
    tlsCertificatePem: empty(tlsCertificateSecretName) ? '' : vaultForDeployment.getSecret(tlsCertificateSecretName)
    mailCloudSettings: union(
      sharedSettings,
      {
        Gateway__HostName: hostName
        Gateway__HealthPort: string(healthPort)
        // Plaintext AUTH only ever from loopback in local mode; in Azure, never.
        Gateway__AllowPlaintextAuthOnLoopback: 'false'
      },
      toObject(range(0, length(trustedProxies)), i => 'Gateway__TrustedProxies__${i}', i => trustedProxies[i]),
      certificateStoreSettings,
      gatewayAcmeSettings
    )
  }
  // The image is pulled with the gateway identity, which needs AcrPull first; the vault (whose secret is
  // read) comes first through the settings' reference to its URI.
  dependsOn: [roles]
}

// Read by azd (registry, resource group) and by docs/deploy.md (DNS, CLI against Azure).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.registryName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.keyVaultName
output AZURE_KEY_VAULT_ENDPOINT string = vaultUri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.storageAccountName
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobServiceUri
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.serviceBusNamespaceName
output AZURE_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.serviceBusFullyQualifiedNamespace
output AZURE_FUNCTION_APP_NAME string = functions.outputs.functionAppName
// Where autoconfig.<domain>, autodiscover.<domain> and mta-sts.<domain> point (`mailcloud dns --web-host`).
output CLIENT_SETUP_HOST_NAME string = functions.outputs.defaultHostName
output GATEWAY_HOST_NAME string = hostName
output GATEWAY_FQDN string = gateway.outputs.fqdn
output GATEWAY_IP_ADDRESS string = gateway.outputs.publicIpAddress
output RELAY_EGRESS_IP string = network.outputs.egressIpAddress
output RELAY_EGRESS_FQDN string = network.outputs.egressFqdn
output RELAY_SMART_HOST string = relaySmartHost
output MAIL_DOMAIN string = mailDomain
