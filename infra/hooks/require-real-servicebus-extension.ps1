# Windows twin of require-real-servicebus-extension.sh: the Functions package must be built with the
# real Service Bus trigger package, which MSBuild selects from the UseRealServiceBusExtension variable.
$ErrorActionPreference = 'Stop'
if ($env:UseRealServiceBusExtension -ne 'true') {
    Write-Error "Set `$env:UseRealServiceBusExtension = 'true' before 'azd up' / 'azd deploy functions' (see docs/deploy.md)."
    exit 1
}
dotnet restore MailCloud.Functions.csproj -p:UseRealServiceBusExtension=true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
