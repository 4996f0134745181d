// `node --import ./module-log.mjs …`: appends the URL of every module the program loads to the file
// named by SPILLGUARD_MODULE_LOG, to check what a command pulls in at start-up.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
