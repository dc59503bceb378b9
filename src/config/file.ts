/** The config file every project has at its root (recorded in the manifest by this name). */
export const CONFIG_FILE = 'mlservice.yaml';
