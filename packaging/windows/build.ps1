<#
.SYNOPSIS
    Build River Desktop for Windows: the PyInstaller one-folder app, zipped, then a headless self-test.

.DESCRIPTION
    powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Python EXE] [-Venv DIR] [-Dist DIR] [-SkipSmoke]

    Uses the same spec as Linux (packaging\river-desktop.spec). Output:
        dist\river-desktop-<version>-windows-<arch>.zip   (the folder river-desktop\ with river-desktop.exe)
        dist\river-desktop-<version>-windows-<arch>.zip.sha256

    Needs Windows 10 or later and Python 3.11+ from python.org (pass -Python if "py -3" is not it; the
    Microsoft Store Python is known to cause trouble with PyInstaller). Pillow is installed into the build
    venv so PyInstaller can turn the PNG app icon into the .exe's .ico.

    Not done here (and not built or tested by this project's CI, which runs on Linux only):
      - code signing: unsigned builds trigger SmartScreen warnings, and some antivirus programs flag
        PyInstaller bootloaders; sign river-desktop.exe with signtool before publishing;
      - an installer (MSI/MSIX/Inno Setup) and a Start-menu shortcut: the zip is a portable app;
      - a Windows version resource on the .exe (PyInstaller's --version-file / EXE(version=...)).
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [string]$Venv = (Join-Path ([System.IO.Path]::GetTempPath()) "river-desktop-build-venv"),
    [string]$Dist = "",
    [switch]$SkipSmoke
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Name = "river-desktop"
$PyInstallerReq = "pyinstaller>=6.10,<7"
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
if (-not $Dist) { $Dist = Join-Path $Root "dist" }

function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# 1. The build environment.
$Py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $Py)) {
    Write-Host "==> creating virtualenv $Venv"
    if ($Python) { Invoke-Checked $Python @("-m", "venv", $Venv) }
    elseif (Get-Command py -ErrorAction SilentlyContinue) { Invoke-Checked "py" @("-3", "-m", "venv", $Venv) }
    else { Invoke-Checked "python" @("-m", "venv", $Venv) }
}
Write-Host "==> installing River Desktop, PyInstaller and Pillow into $Venv"
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "--disable-pip-version-check", $PyInstallerReq, "pillow", $Root)
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", $Root)
$Version = (& $Py -c "import importlib.metadata as m; print(m.version('river-desktop'))").Trim()
$Arch = switch ($env:PROCESSOR_ARCHITECTURE) { "AMD64" { "x86_64" } "ARM64" { "arm64" } default { $env:PROCESSOR_ARCHITECTURE.ToLower() } }
$Bundle = "$Name-$Version-windows-$Arch"

# 2. Stale icons fail the build early.
Invoke-Checked $Py @((Join-Path $Root "packaging\render_icons.py"), "--check")

# 3. The one-folder app.
$Work = Join-Path $Root "build\pyinstaller"
Write-Host "==> building $Name $Version with PyInstaller"
Invoke-Checked $Py @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", (Join-Path $Work "dist"), "--workpath", (Join-Path $Work "work"),
    (Join-Path $Root "packaging\$Name.spec"))
$App = Join-Path $Work "dist\$Name"
$Exe = Join-Path $App "$Name.exe"
if (-not (Test-Path $Exe)) { throw "PyInstaller produced no $Exe" }

# 4. Headless self-test of the frozen app (a windowed .exe: wait for it and read its exit code).
if (-not $SkipSmoke) {
    $SmokeProfile = Join-Path ([System.IO.Path]::GetTempPath()) ("river-desktop-smoke-" + [guid]::NewGuid())
    $env:QT_QPA_PLATFORM = "offscreen"
    try {
        $proc = Start-Process -FilePath $Exe -ArgumentList @("--self-test", "--profile", "`"$SmokeProfile`"") `
            -Wait -PassThru -NoNewWindow
        if ($proc.ExitCode -ne 0) { throw "$Exe --self-test exited $($proc.ExitCode)" }
        Write-Host "ok: --self-test"
    } finally {
        Remove-Item Env:QT_QPA_PLATFORM
        if (Test-Path $SmokeProfile) { Remove-Item -Recurse -Force $SmokeProfile }
    }
}

# 5. The zip (holding the folder river-desktop\) and its checksum.
New-Item -ItemType Directory -Force -Path $Dist | Out-Null
$Zip = Join-Path $Dist "$Bundle.zip"
if (Test-Path $Zip) { Remove-Item -Force $Zip }
Compress-Archive -Path $App -DestinationPath $Zip -CompressionLevel Optimal
$Hash = (Get-FileHash -Algorithm SHA256 $Zip).Hash.ToLower()
Set-Content -Path "$Zip.sha256" -Value "$Hash  $Bundle.zip" -Encoding ascii
Write-Host "==> wrote $Zip"
