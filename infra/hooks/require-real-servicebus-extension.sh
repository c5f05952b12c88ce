#!/bin/sh
# Runs before azd packages the Functions app (service hooks run in functions/MailCloud.Functions).
# Without the real Microsoft.Azure.Functions.Worker.Extensions.ServiceBus package the build uses the
# local stand-in attribute, extensions.json lacks the Service Bus extension, and Azure refuses the triggers.
# MSBuild takes properties from environment variables, so the variable must be exported in the shell
# that runs azd (an `azd env set` value would reach this hook but not `dotnet publish`).
set -eu
if [ "${UseRealServiceBusExtension:-}" != "true" ]; then
  echo "error: export UseRealServiceBusExtension=true before 'azd up' / 'azd deploy functions'." >&2
  echo "       The Functions package must be built with the real Service Bus trigger (see docs/deploy.md)." >&2
  exit 1
fi
dotnet restore MailCloud.Functions.csproj -p:UseRealServiceBusExtension=true
