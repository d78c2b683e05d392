/** Controllers: class controllers with standard decorators, or `controller()` tables, mounted as plain routes. */
export { Controller, Delete, Describe, Get, Patch, Post, Put, Route, Use, Validate } from './decorators.js'
export type { ClassOrMethodDecorator, RouteDecorator, RouteMethod } from './decorators.js'
export { controller } from './define.js'
export type { ControllerDefinition, ControllerOptions, ControllerRoute, RouteSpec, Routes } from './define.js'
export { registerController } from './register.js'
