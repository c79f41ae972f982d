; Inno Setup script: the Windows installer for TagDesk.
;
; Build the one-folder bundle first (pyinstaller packaging\tagdesk.spec makes dist\TagDesk),
; then, from the repository root:
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\tagdesk.iss
; Output: dist\TagDesk-<version>-setup.exe. .github/workflows/packaging.yml passes the version
; from the package metadata (pyproject.toml), builds, installs silently and self-tests it.
;
; Installs per user by default (no admin prompt; {autopf} is then %LOCALAPPDATA%\Programs),
; or for all users when the user picks that in the dialog. The uninstaller removes the
; program files only: settings, logs and the keys in Windows Credential Manager stay
; (docs/install.md says how to remove them).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "TagDesk"
#define AppExeName "TagDesk.exe"
#define AppPublisher "The TagDesk developers"

[Setup]
; The AppId identifies the installation for upgrades and the uninstaller: never change it.
AppId={{56F7B8D2-2FB2-4CC4-AC4B-C078AEC57167}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppComments=A desktop workbench for Keap (Infusionsoft) contacts and tags
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} installer
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\tagdesk.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=TagDesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller one-folder bundle: TagDesk.exe and _internal\.
Source: "..\..\dist\TagDesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; Start-menu entries (the uninstaller is listed in Settings > Apps).
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Keap contacts and tags"
Name: "{autoprograms}\{#AppName} (demo account)"; Filename: "{app}\{#AppExeName}"; Parameters: "--demo"; Comment: "TagDesk on the built-in demo account"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
