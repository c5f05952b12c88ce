# Windows twin of new-key-vault-suffix.sh: a new resource group gets a Key Vault name that no
# soft-deleted vault still reserves.
$ErrorActionPreference = 'Stop'
if (-not $env:AZURE_ENV_NAME) { Write-Error 'AZURE_ENV_NAME is not set.'; exit 1 }
$exists = az group exists --name "rg-$($env:AZURE_ENV_NAME)"
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if ($exists -eq 'false') {
    $suffix = -join (1..3 | ForEach-Object { '{0:x2}' -f (Get-Random -Maximum 256) })
    azd env set KEY_VAULT_SUFFIX $suffix
    exit $LASTEXITCODE
}
