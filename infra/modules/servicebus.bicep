// The pipeline's queues. Standard tier: queues, scheduled messages (retry backoff), dead-lettering and
// duplicate detection. Local (SAS) auth is off: only Entra ID identities reach it.

param location string
param tags object
param serviceBusNamespaceName string

@description('Queue names the code uses; must match QueueNames.All (checked by tests/MailCloud.Infra.Tests).')
param queueNames array

@description('Deliveries of one message before it is dead-lettered; the code\'s Queueing:MaxDeliveryCount is set to the same value.')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: serviceBusNamespaceName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for name in queueNames: {
    parent: namespace
    name: name
    properties: {
      maxDeliveryCount: maxDeliveryCount
      // The pipeline retries for up to 5 days; a message must outlive its retry schedule.
      defaultMessageTimeToLive: 'P14D'
      deadLetteringOnMessageExpiration: true
      lockDuration: 'PT5M'
      // A sender that retries a send after a timeout must not enqueue the message twice (message id = envelope id).
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'PT1H'
      maxSizeInMegabytes: 1024
    }
  }
]

output serviceBusNamespaceName string = namespace.name
output serviceBusNamespaceId string = namespace.id
// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/; clients want the bare host name.
output serviceBusFullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
