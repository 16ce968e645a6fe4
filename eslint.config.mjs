// ESLint: typescript-eslint's type-aware rules over the package, tests and tools (see `npm run lint`).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "docs/api/**", "bench/.out/**", "node_modules/**", "**/fixtures/**/*.js", "jest.config.js", "eslint.config.mjs", ".dependency-cruiser.cjs", "scripts/*.js", "bench/probe/*.cjs"] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Type-aware: a promise nobody awaits is a host command whose failure nobody sees.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Tests read the kernel's loosely typed JSON (`ip -j`) and load plain-JS fixtures.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
  },
);
