/* Starts a process with an exact command line: argv[1] is a file holding the command line in
 * UTF-16LE, passed unchanged to CreateProcessW, so Wine's own quoting of its argv is never
 * involved. Relays the child's output and exit code. */
#include <stdio.h>
#include <windows.h>

int wmain(int argc, WCHAR **argv)
{
    static WCHAR cmd[32768];
    STARTUPINFOW si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    DWORD read = 0, code = 1;
    HANDLE f;
    if (argc != 2) return 2;
    f = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (f == INVALID_HANDLE_VALUE) return 3;
    if (!ReadFile(f, cmd, sizeof(cmd) - sizeof(WCHAR), &read, NULL)) return 4;
    CloseHandle(f);
    cmd[read / sizeof(WCHAR)] = 0;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) { printf("CreateProcess %lu\n", GetLastError()); return 5; }
    WaitForSingleObject(pi.hProcess, 30000);
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}
