#!/bin/sh
# Project postdeploy hook (azure.yaml), run by `azd deploy` and `azd up` in the repository root.
# azd has no Azure Container Instances host, so the gateway ships here:
#  1. ACR Tasks build gateway/Dockerfile with the repository root as context (no local Docker needed);
#  2. the image reference goes into the azd environment as GATEWAY_IMAGE;
#  3. `azd provision` creates or rolls the gateway's container groups onto it (infra/modules/gateway.bicep).
# The first provision of an environment has no image yet and creates no container group at all, so no
# placeholder ever sits behind the load balancer failing its /readyz probe.
set -eu
: "${AZURE_CONTAINER_REGISTRY_NAME:?is not set: run azd provision first}"
: "${AZURE_CONTAINER_REGISTRY_ENDPOINT:?is not set: run azd provision first}"

tag="$(date -u +%Y%m%d%H%M%S)"
if revision=$(git rev-parse --short HEAD 2>/dev/null); then
  tag="$tag-$revision"
fi
image="$AZURE_CONTAINER_REGISTRY_ENDPOINT/mailcloud-gateway:$tag"

az acr build --registry "$AZURE_CONTAINER_REGISTRY_NAME" --image "mailcloud-gateway:$tag" --file gateway/Dockerfile .
azd env set GATEWAY_IMAGE "$image"
azd provision --no-prompt
