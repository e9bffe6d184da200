const { src, dest } = require('gulp');

// tsc emits the code and the codex JSON; the icons are copied beside them.
function copyIcons() {
	return src(['nodes/**/*.svg', 'credentials/**/*.svg'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
}

exports['build:icons'] = copyIcons;
