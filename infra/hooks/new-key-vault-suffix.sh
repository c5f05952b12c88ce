#!/bin/sh
# Project preprovision hook (azure.yaml). Key Vault soft delete is always on: after `azd down` the vault
# stays deleted-but-reserved under its name for 7 days (softDeleteRetentionInDays), and creating a vault
# with that name fails. So whenever the environment's resource group does not exist (a first `azd up`,
# or the first after `azd down`), this picks a new random suffix for the vault name (KEY_VAULT_SUFFIX,
# main.bicep's keyVaultSuffix). An existing group keeps its suffix, and so its vault and secrets.
# Purge protection stays off, so the old vault is purged by itself when its retention ends.
set -eu
: "${AZURE_ENV_NAME:?is not set}"
if [ "$(az group exists --name "rg-$AZURE_ENV_NAME")" = "false" ]; then
  suffix=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  azd env set KEY_VAULT_SUFFIX "$suffix"
fi
