// Svelte compiler options. Svelte 5 understands <script lang="ts"> natively,
// so no preprocessor is needed; runes mode is on for every component.
export default {
  compilerOptions: { runes: true },
};
