# Windows twin of deploy-gateway.sh: build the gateway image with ACR Tasks, record it as GATEWAY_IMAGE,
# and provision again so the gateway's container groups run it.
$ErrorActionPreference = 'Stop'
if (-not $env:AZURE_CONTAINER_REGISTRY_NAME -or -not $env:AZURE_CONTAINER_REGISTRY_ENDPOINT) {
    Write-Error 'AZURE_CONTAINER_REGISTRY_NAME is not set: run azd provision first.'
    exit 1
}
$tag = (Get-Date).ToUniversalTime().ToString('yyyyMMddHHmmss')
$revision = git rev-parse --short HEAD 2>$null
if ($LASTEXITCODE -eq 0 -and $revision) { $tag = "$tag-$revision" }
$image = "$($env:AZURE_CONTAINER_REGISTRY_ENDPOINT)/mailcloud-gateway:$tag"

az acr build --registry $env:AZURE_CONTAINER_REGISTRY_NAME --image "mailcloud-gateway:$tag" --file gateway/Dockerfile .
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd env set GATEWAY_IMAGE $image
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
